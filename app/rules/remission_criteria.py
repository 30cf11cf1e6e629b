"""The six criteria of complete clinical remission, each read from one record.

Every function here judges a single record, independently of the evaluation date,
so the remission sweep can judge each record once.
"""

from decimal import Decimal

from app.rules.dates import age_in_years, clinical_date
from app.rules.exact import Reading, exact, optional
from app.rules.inputs import Assessment, LabResult, Patient
from app.rules.labs import RULE_UNITS, reading
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
TRUTH = {True: Status.MET, False: Status.NOT_MET, None: Status.INSUFFICIENT_DATA}


def compare_upper(
    name: str, value: Reading | None, limit: Decimal | None, unit: str, lab: LabResult
) -> Criterion:
    """Met when value <= limit, exactly; insufficient data when either is unknown or a
    censored value cannot tell ('<x' with x at or below the limit is normal, '>x' with
    x at or above it is not)."""
    if value is None or limit is None:
        status = Status.INSUFFICIENT_DATA
    else:
        status = TRUTH[value.at_most(limit)]
    shown = None if value is None else value.shown()
    shown_limit = None if limit is None else float(limit)
    return Criterion(name, status, shown, shown_limit, unit, lab.id, lab.collected_at)


def esr_age_sex_limit(patient: Patient, age: int) -> Decimal:
    """Miller 1983 ESR upper limit (mm/h): men age/2, women (age+10)/2.

    Other or unknown sex gets age/2, the stricter of the two.
    """
    return Decimal(age + 10) / 2 if patient.sex == "female" else Decimal(age) / 2


def esr_normal(lab: LabResult, patient: Patient, settings: RuleSettings) -> Criterion:
    """ESR (mm/h) <= the lab's reference high, else the age/sex limit at collection."""
    limit = optional(lab.reference_high)
    if limit is None and patient.birth_date is not None:
        collected = clinical_date(lab.collected_at, settings.clinical_timezone)
        limit = esr_age_sex_limit(patient, age_in_years(patient.birth_date, collected))
    return compare_upper("esr_normal", reading(lab), limit, "mm/h", lab)


def crp_normal(lab: LabResult, settings: RuleSettings) -> Criterion:
    """CRP (mg/L) <= the lab's reference high (mg/L), else 5 mg/L."""
    limit = optional(lab.reference_high)
    if limit is None:
        limit = exact(settings.crp_upper_default_mg_per_l)
    return compare_upper("crp_normal", reading(lab), limit, "mg/L", lab)


def anti_dsdna_negative(lab: LabResult) -> Criterion:
    """Qualitative 'negative', or a numeric value ([iU]/mL, or a titer) <= the lab's
    reference high.

    'positive' and 'borderline' are not negative; a number without a reference
    range cannot be interpreted (insufficient data). A titer (LOINC 11013-0) is only
    read against its own reference range, never converted.
    """
    text = (lab.value_text or "").strip().lower()
    if text in QUALITATIVE_RESULTS:
        status = Status.MET if text == "negative" else Status.NOT_MET
        return Criterion("anti_dsdna_negative", status, text, None, None, lab.id, lab.collected_at)
    value = reading(lab)
    unit = value.unit if value is not None and value.unit else RULE_UNITS["anti_dsdna"]
    return compare_upper("anti_dsdna_negative", value, optional(lab.reference_high), unit, lab)


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
