"""Disease-activity scores, reported with the status (they are not flags).

DAS28-ESR and DAS28-CRP (Prevoo 1995; EULAR cut-offs: remission < 2.6, low <= 3.2,
moderate <= 5.1), CDAI (Aletaha 2005: <= 2.8, <= 10, <= 22) and SDAI (Smolen 2003:
<= 3.3, <= 11, <= 26). Joint counts are 28-joint counts; globals are entered as
0-100 mm visual analogue scales (CDAI/SDAI use them as 0-10 cm); ESR in mm/h;
CRP in mg/L (SDAI adds CRP in mg/dL). Scores come from the latest assessment up to
`as_of` and the ESR/CRP collected nearest to it, within 14 days either side.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from app.rules.dates import clinical_date, instant
from app.rules.inputs import Assessment, LabResult, PatientRecords, Regimen
from app.rules.labs import numeric_value
from app.rules.outcomes import DiseaseActivity, Score
from app.rules.settings import RuleSettings

# (remission limit, remission limit included?, low limit, moderate limit); above: high.
Cutoffs = tuple[float, bool, float, float]
DAS28_CUTOFFS: Cutoffs = (2.6, False, 3.2, 5.1)
CDAI_CUTOFFS: Cutoffs = (2.8, True, 10.0, 22.0)
SDAI_CUTOFFS: Cutoffs = (3.3, True, 11.0, 26.0)
SCORE_NAMES = ("das28_esr", "das28_crp", "cdai", "sdai")
DAS28_WARNING = (
    "On an IL-6R or JAK inhibitor: these drugs lower ESR/CRP directly and inflate DAS28 remission"
)


def das28_esr(tjc: float, sjc: float, esr_mm_h: float, ptga_mm: float) -> float:
    """0.56*sqrt(TJC28) + 0.28*sqrt(SJC28) + 0.70*ln(ESR) + 0.014*PtGA; ESR < 1 taken as 1."""
    return (
        0.56 * math.sqrt(tjc)
        + 0.28 * math.sqrt(sjc)
        + 0.70 * math.log(max(esr_mm_h, 1.0))
        + 0.014 * ptga_mm
    )


def das28_crp(tjc: float, sjc: float, crp_mg_l: float, ptga_mm: float) -> float:
    """0.56*sqrt(TJC28) + 0.28*sqrt(SJC28) + 0.36*ln(CRP mg/L + 1) + 0.014*PtGA + 0.96."""
    return (
        0.56 * math.sqrt(tjc)
        + 0.28 * math.sqrt(sjc)
        + 0.36 * math.log(crp_mg_l + 1)
        + 0.014 * ptga_mm
        + 0.96
    )


def cdai(tjc: float, sjc: float, ptga_mm: float, ega_mm: float) -> float:
    """TJC28 + SJC28 + PtGA (0-10) + EGA (0-10)."""
    return tjc + sjc + ptga_mm / 10 + ega_mm / 10


def sdai(tjc: float, sjc: float, ptga_mm: float, ega_mm: float, crp_mg_l: float) -> float:
    """CDAI + CRP in mg/dL."""
    return cdai(tjc, sjc, ptga_mm, ega_mm) + crp_mg_l / 10


def category(value: float, cutoffs: Cutoffs) -> str:
    remission, inclusive, low, moderate = cutoffs
    if value < remission or (inclusive and value == remission):
        return "remission"
    if value <= low:
        return "low"
    return "moderate" if value <= moderate else "high"


def _score(
    name: str,
    inputs: dict[str, float | None],
    formula: Callable[..., float],
    cutoffs: Cutoffs,
    sources: Sequence[LabResult | Assessment | None],
    warning: str | None = None,
) -> Score:
    absent = [key for key, value in inputs.items() if value is None]
    if absent:
        return Score(name, None, omitted_reason="missing: " + ", ".join(absent), warning=warning)
    # Rounded before categorising so the reported value and its category agree.
    value = round(formula(*inputs.values()), 2)
    ids = tuple(source.id for source in sources if source is not None)
    return Score(name, value, category(value, cutoffs), warning=warning, source_ids=ids)


def _latest_visit(visits: Iterable[Assessment], as_of: date, tz: str) -> Assessment | None:
    candidates = [v for v in visits if clinical_date(v.assessed_at, tz) <= as_of]
    return max(
        candidates,
        key=lambda v: (clinical_date(v.assessed_at, tz), instant(v.assessed_at), v.recorded_seq),
        default=None,
    )


def _paired_lab(
    labs: Iterable[LabResult], test: str, visit_day: date, as_of: date, settings: RuleSettings
) -> LabResult | None:
    """The interpretable result nearest to the visit (ties: the later one)."""
    tz = settings.clinical_timezone

    def distance(lab: LabResult) -> int:
        return abs((clinical_date(lab.collected_at, tz) - visit_day).days)

    def nearness(lab: LabResult) -> tuple[int, float, int]:
        return distance(lab), -instant(lab.collected_at).timestamp(), -lab.recorded_seq

    candidates = [
        lab
        for lab in labs
        if lab.test == test
        and numeric_value(lab) is not None
        and clinical_date(lab.collected_at, tz) <= as_of
        and distance(lab) <= settings.activity_lab_window_days
    ]
    return min(candidates, key=nearness, default=None)


def _on_warned_drug(regimens: Iterable[Regimen], day: date, settings: RuleSettings) -> bool:
    warned = {mechanism.lower() for mechanism in settings.activity_warning_mechanisms}
    return any(r.drug.mechanism.lower() in warned and r.active_on(day) for r in regimens)


def _value(lab: LabResult | None) -> float | None:
    return None if lab is None else numeric_value(lab)


def _scores(
    visit: Assessment, esr: LabResult | None, crp: LabResult | None, warn: bool
) -> tuple[Score, ...]:
    joints: dict[str, float | None] = {
        "tender_joints_28": visit.tender_joints_28,
        "swollen_joints_28": visit.swollen_joints_28,
    }
    ptga = {"patient_global": visit.patient_global}
    globals_ = ptga | {"evaluator_global": visit.evaluator_global}
    esr_in, crp_in = {"esr": _value(esr)}, {"crp": _value(crp)}
    warning = DAS28_WARNING if warn else None
    return (
        _score(
            "das28_esr", joints | esr_in | ptga, das28_esr, DAS28_CUTOFFS, (visit, esr), warning
        ),
        _score(
            "das28_crp", joints | crp_in | ptga, das28_crp, DAS28_CUTOFFS, (visit, crp), warning
        ),
        _score("cdai", joints | globals_, cdai, CDAI_CUTOFFS, (visit,)),
        _score("sdai", joints | globals_ | crp_in, sdai, SDAI_CUTOFFS, (visit, crp)),
    )


def disease_activity(
    records: PatientRecords, as_of: date, settings: RuleSettings
) -> DiseaseActivity:
    """DAS28-ESR, DAS28-CRP, CDAI and SDAI from the latest assessment up to `as_of`.

    A score whose inputs do not all exist is omitted with the reason. DAS28 scores
    carry a warning while the patient is on an IL-6R or JAK inhibitor (on the
    assessment date): those drugs lower ESR/CRP directly.
    """
    tz = settings.clinical_timezone
    visit = _latest_visit(records.assessments, as_of, tz)
    if visit is None:
        omitted = (Score(name, None, omitted_reason="no assessment") for name in SCORE_NAMES)
        return DiseaseActivity(None, None, tuple(omitted))
    visit_day = clinical_date(visit.assessed_at, tz)
    esr = _paired_lab(records.lab_results, "esr", visit_day, as_of, settings)
    crp = _paired_lab(records.lab_results, "crp", visit_day, as_of, settings)
    warn = _on_warned_drug(records.regimens, visit_day, settings)
    return DiseaseActivity(visit.id, visit.assessed_at, _scores(visit, esr, crp, warn))
