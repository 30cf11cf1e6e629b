"""Disease-activity scores, reported with the status (they are not flags).

DAS28-ESR and DAS28-CRP (Prevoo 1995; EULAR cut-offs: remission < 2.6, low <= 3.2,
moderate <= 5.1), CDAI (Aletaha 2005: <= 2.8, <= 10, <= 22) and SDAI (Smolen 2003:
<= 3.3, <= 11, <= 26). Joint counts are 28-joint counts; globals are entered as
0-100 mm visual analogue scales (CDAI/SDAI use them as 0-10 cm); ESR in mm/h;
CRP in mg/L (SDAI adds CRP in mg/dL).

Each score uses the latest assessment on or before `as_of` that has all of that score's
items (a weight-only visit hides nothing), and is omitted as `stale` when that
assessment is more than 90 days old (setting); its ESR/CRP is the one collected nearest
to it, within 14 days either side, never after `as_of`. CDAI and SDAI are exact decimal
sums; DAS28 is computed in double precision. Categories are decided on the unrounded
score (DAS28-ESR 2.5995 is remission); values are reported rounded to 2 decimals.
"""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.rules.dates import clinical_date, instant
from app.rules.exact import Number, exact, reported
from app.rules.inputs import Assessment, LabResult, PatientRecords, Regimen
from app.rules.labs import numeric_value
from app.rules.outcomes import DiseaseActivity, Score
from app.rules.settings import RuleSettings

# (remission limit, remission limit included?, low limit, moderate limit); above: high.
Cutoffs = tuple[Decimal, bool, Decimal, Decimal]
DAS28_CUTOFFS: Cutoffs = (Decimal("2.6"), False, Decimal("3.2"), Decimal("5.1"))
CDAI_CUTOFFS: Cutoffs = (Decimal("2.8"), True, Decimal(10), Decimal(22))
SDAI_CUTOFFS: Cutoffs = (Decimal("3.3"), True, Decimal(11), Decimal(26))
SCORE_NAMES = ("das28_esr", "das28_crp", "cdai", "sdai")
DAS28_WARNING = (
    "On an IL-6R or JAK inhibitor: these drugs lower ESR/CRP directly and inflate DAS28 remission"
)
TEN = Decimal(10)


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


def cdai(tjc: Number, sjc: Number, ptga_mm: Number, ega_mm: Number) -> Decimal:
    """TJC28 + SJC28 + PtGA (0-10) + EGA (0-10), exactly."""
    return exact(tjc) + exact(sjc) + exact(ptga_mm) / TEN + exact(ega_mm) / TEN


def sdai(tjc: Number, sjc: Number, ptga_mm: Number, ega_mm: Number, crp_mg_l: Number) -> Decimal:
    """CDAI + CRP in mg/dL, exactly."""
    return cdai(tjc, sjc, ptga_mm, ega_mm) + exact(crp_mg_l) / TEN


def category(value: float | Decimal, cutoffs: Cutoffs) -> str:
    """The activity category of an unrounded score; a DAS28 (a float) is compared with
    the cut-offs as floats, CDAI and SDAI exactly."""
    remission_at, inclusive, *rest = cutoffs
    limits: Sequence[float | Decimal] = (remission_at, *rest)
    if isinstance(value, float):
        limits = [float(limit) for limit in limits]
    remission, low, moderate = limits
    if value < remission or (inclusive and value == remission):
        return "remission"
    if value <= low:
        return "low"
    return "moderate" if value <= moderate else "high"


Inputs = Mapping[str, Decimal]
DAS28_ITEMS = ("tender_joints_28", "swollen_joints_28", "patient_global")
CDAI_ITEMS = (*DAS28_ITEMS, "evaluator_global")


def _das28(
    formula: Callable[[float, float, float, float], float], lab: str
) -> Callable[[Inputs], float]:
    def score(x: Inputs) -> float:
        joints = (float(x["tender_joints_28"]), float(x["swollen_joints_28"]))
        return formula(*joints, float(x[lab]), float(x["patient_global"]))

    return score


def _cdai(x: Inputs) -> Decimal:
    return cdai(x["tender_joints_28"], x["swollen_joints_28"], x["patient_global"],
                x["evaluator_global"])  # fmt: skip


def _sdai(x: Inputs) -> Decimal:
    return _cdai(x) + x["crp"] / TEN


@dataclass(frozen=True)
class _Spec:
    name: str
    items: tuple[str, ...]
    lab: str | None
    formula: Callable[[Inputs], float | Decimal]
    cutoffs: Cutoffs
    warned: bool = False


SPECS = (
    _Spec("das28_esr", DAS28_ITEMS, "esr", _das28(das28_esr, "esr"), DAS28_CUTOFFS, True),
    _Spec("das28_crp", DAS28_ITEMS, "crp", _das28(das28_crp, "crp"), DAS28_CUTOFFS, True),
    _Spec("cdai", CDAI_ITEMS, None, _cdai, CDAI_CUTOFFS),
    _Spec("sdai", CDAI_ITEMS, "crp", _sdai, SDAI_CUTOFFS),
)


def _items(visit: Assessment, names: Iterable[str]) -> dict[str, Number | None]:
    return {name: getattr(visit, name) for name in names}


def _with_items(visits: Sequence[Assessment], names: tuple[str, ...]) -> Assessment | None:
    """The latest visit (visits are newest first) that recorded every one of `names`."""
    return next((v for v in visits if None not in _items(v, names).values()), None)


class _Scorer:
    """Scores one patient on `as_of`; visits newest first, only those up to `as_of`."""

    def __init__(self, records: PatientRecords, as_of: date, settings: RuleSettings) -> None:
        self.tz = settings.clinical_timezone
        self.as_of, self.settings, self.records = as_of, settings, records
        self._dated: dict[str, list[tuple[date, LabResult]]] = {}
        self.visits = sorted(
            (v for v in records.assessments if self.day(v) <= as_of), key=self.order, reverse=True
        )

    def day(self, visit: Assessment) -> date:
        return clinical_date(visit.assessed_at, self.tz)

    def order(self, visit: Assessment) -> tuple[date, object, int]:
        return self.day(visit), instant(visit.assessed_at), visit.recorded_seq

    def dated(self, test: str) -> list[tuple[date, LabResult]]:
        """The results of `test` collected up to `as_of`, with their clinical dates (found
        once per test: two scores pair CRP)."""
        found = self._dated.get(test)
        if found is None:
            tz, as_of = self.tz, self.as_of
            found = [
                (day, lab)
                for lab in self.records.lab_results
                if lab.test == test and (day := clinical_date(lab.collected_at, tz)) <= as_of
            ]
            self._dated[test] = found
        return found

    def paired_lab(self, test: str, visit: Assessment) -> tuple[LabResult, Decimal] | None:
        """The interpretable result nearest to the visit (ties: the later one), and its
        exact value."""
        visit_day, window = self.day(visit), self.settings.activity_lab_window_days

        def nearness(found: tuple[int, LabResult, Decimal]) -> tuple[int, float, int]:
            distance, lab, _ = found
            return distance, -instant(lab.collected_at).timestamp(), -lab.recorded_seq

        # The cheap date test first: a long history has thousands of results of the test.
        candidates = [
            (distance, lab, value)
            for day, lab in self.dated(test)
            if (distance := abs((day - visit_day).days)) <= window
            and (value := numeric_value(lab)) is not None
        ]
        nearest = min(candidates, key=nearness, default=None)
        return None if nearest is None else (nearest[1], nearest[2])

    def warning(self, spec: _Spec, visit: Assessment) -> str | None:
        warned = spec.warned and _on_warned_drug(
            self.records.regimens, self.day(visit), self.settings
        )
        return DAS28_WARNING if warned else None

    def missing(self, spec: _Spec) -> Score:
        """Why no visit can be scored: the items the latest visit lacks (and its lab)."""
        if not self.visits:
            return Score(spec.name, None, omitted_reason="no assessment")
        latest = self.visits[0]
        absent = [name for name, value in _items(latest, spec.items).items() if value is None]
        if spec.lab is not None and self.paired_lab(spec.lab, latest) is None:
            absent.append(spec.lab)
        reason = "missing: " + ", ".join(absent)
        return Score(spec.name, None, omitted_reason=reason, warning=self.warning(spec, latest))

    def score(self, spec: _Spec) -> tuple[Score, Assessment | None]:
        """The score, and the visit it used (None when omitted)."""
        visit = _with_items(self.visits, spec.items)
        if visit is None:
            return self.missing(spec), None
        warning = self.warning(spec, visit)
        if (self.as_of - self.day(visit)).days > self.settings.activity_stale_days:
            return Score(spec.name, None, None, "stale", warning, (visit.id,)), None
        inputs = {
            name: exact(value)
            for name, value in _items(visit, spec.items).items()
            if value is not None
        }
        ids: tuple[str, ...] = (visit.id,)
        if spec.lab is not None:
            paired = self.paired_lab(spec.lab, visit)
            if paired is None:
                return Score(spec.name, None, None, f"missing: {spec.lab}", warning, ids), None
            inputs[spec.lab] = paired[1]
            ids = (visit.id, paired[0].id)
        raw = spec.formula(inputs)
        shown = round(raw, 2) if isinstance(raw, float) else reported(raw)
        return Score(spec.name, shown, category(raw, spec.cutoffs), None, warning, ids), visit


def _on_warned_drug(regimens: Iterable[Regimen], day: date, settings: RuleSettings) -> bool:
    warned = {mechanism.lower() for mechanism in settings.activity_warning_mechanisms}
    return any(r.drug.mechanism.lower() in warned and r.active_on(day) for r in regimens)


def disease_activity(
    records: PatientRecords, as_of: date, settings: RuleSettings
) -> DiseaseActivity:
    """DAS28-ESR, DAS28-CRP, CDAI and SDAI on `as_of`, each from its own latest complete
    assessment; `assessment_id`/`assessed_at` name the latest assessment a score used.

    A score is omitted with the reason: `no assessment`, `missing: <items>` (what the
    latest assessment lacks), or `stale`. DAS28 scores carry a warning while the patient
    is on an IL-6R or JAK inhibitor (on the assessment date): those drugs lower ESR/CRP
    directly.
    """
    scorer = _Scorer(records, as_of, settings)
    results = [scorer.score(spec) for spec in SPECS]
    used = [visit for _, visit in results if visit is not None]
    latest = max(used, key=scorer.order, default=None)
    scores = tuple(score for score, _ in results)
    if latest is None:
        return DiseaseActivity(None, None, scores)
    return DiseaseActivity(latest.id, latest.assessed_at, scores)
