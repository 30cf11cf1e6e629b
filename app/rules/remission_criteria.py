"""The six criteria of complete clinical remission, each read from one record.

Every function here judges a single record, independently of the evaluation date,
so the remission sweep can judge each record once.
"""

from app.rules.dates import age_in_years, clinical_date
from app.rules.inputs import Assessment, LabResult, Patient
from app.rules.labs import numeric_value
from app.rules.outcomes import Criterion, Status
from app.rules.settings import RuleSettings

CRITERIA = (
    "esr_normal",
    "crp_normal",
    "anti_dsdna_negative",
    "no_swollen_joints",
    "no_tender_joints",
    "power_doppler_negative",
)
QUALITATIVE_RESULTS = frozenset({"negative", "positive", "borderline"})


def compare_upper(
    name: str, value: float | None, limit: float | None, unit: str, lab: LabResult
) -> Criterion:
    """Met when value <= limit; insufficient data when either is unknown."""
    if value is None or limit is None:
        status = Status.INSUFFICIENT_DATA
    else:
        status = Status.MET if value <= limit else Status.NOT_MET
    return Criterion(name, status, value, limit, unit, lab.id, lab.collected_at)


def esr_age_sex_limit(patient: Patient, age: int) -> float:
    """Miller 1983 ESR upper limit (mm/h): men age/2, women (age+10)/2.

    Other or unknown sex gets age/2, the stricter of the two.
    """
    return (age + 10) / 2 if patient.sex == "female" else age / 2


def esr_normal(lab: LabResult, patient: Patient, settings: RuleSettings) -> Criterion:
    """ESR (mm/h) <= the lab's reference high, else the age/sex limit at collection."""
    limit = lab.reference_high
    if limit is None and patient.birth_date is not None:
        collected = clinical_date(lab.collected_at, settings.clinical_timezone)
        limit = esr_age_sex_limit(patient, age_in_years(patient.birth_date, collected))
    return compare_upper("esr_normal", numeric_value(lab), limit, "mm/h", lab)


def crp_normal(lab: LabResult, settings: RuleSettings) -> Criterion:
    """CRP (mg/L) <= the lab's reference high (mg/L), else 5 mg/L."""
    limit = lab.reference_high
    if limit is None:
        limit = settings.crp_upper_default_mg_per_l
    return compare_upper("crp_normal", numeric_value(lab), limit, "mg/L", lab)


def anti_dsdna_negative(lab: LabResult) -> Criterion:
    """Qualitative 'negative', or a numeric value ([iU]/mL) <= the lab's reference high.

    'positive' and 'borderline' are not negative; a number without a reference
    range cannot be interpreted (insufficient data).
    """
    text = (lab.value_text or "").strip().lower()
    if text in QUALITATIVE_RESULTS:
        status = Status.MET if text == "negative" else Status.NOT_MET
        return Criterion("anti_dsdna_negative", status, text, None, None, lab.id, lab.collected_at)
    value, limit = numeric_value(lab), lab.reference_high
    return compare_upper("anti_dsdna_negative", value, limit, "[iU]/mL", lab)


def no_joints(name: str, count: int, visit: Assessment) -> Criterion:
    """A 28-joint count equal to zero."""
    status = Status.MET if count == 0 else Status.NOT_MET
    return Criterion(name, status, count, 0, "joints", visit.id, visit.assessed_at)


def power_doppler_negative(finding: str, visit: Assessment) -> Criterion:
    """Power Doppler ultrasound recorded as 'negative' (no synovial vascularity)."""
    text = finding.strip().lower()
    status = {"negative": Status.MET, "positive": Status.NOT_MET}.get(
        text, Status.INSUFFICIENT_DATA
    )
    return Criterion(
        "power_doppler_negative", status, text, None, None, visit.id, visit.assessed_at
    )


def missing(name: str) -> Criterion:
    """No record of this kind in the window: stale or absent data is never good news."""
    return Criterion(name, Status.INSUFFICIENT_DATA)
