"""Laboratory safety alerts for tocilizumab (tocilizumab SmPC, section 4.2: dose
modifications for neutropenia, thrombocytopenia and liver enzyme elevations).

For a patient on tocilizumab on `as_of`, from the latest result of each test in the
30 days up to `as_of`:
- neutrophils (10^9/L): < 0.5 discontinue; 0.5 to 1.0 interrupt;
- platelets (10^9/L): < 50 discontinue; 50 to 100 interrupt;
- ALT/AST (U/L): > 5 x upper limit discontinue; > 3 x upper limit interrupt, the upper
  limit being the result's reference high, else 40 U/L.
"""

from datetime import date
from decimal import Decimal

from app.rules.dates import days_before
from app.rules.exact import Reading, exact, optional
from app.rules.inputs import LabResult, PatientRecords
from app.rules.labs import latest_lab, reading
from app.rules.outcomes import SafetyAction, SafetyAlert
from app.rules.settings import RuleSettings


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _alert(
    lab: LabResult, action: SafetyAction, value: Reading, limit: Decimal, certain: bool | None
) -> SafetyAlert:
    """`certain` None: a censored value that cannot rule the action out (safety errs
    toward the alert; the message says "may be")."""
    relation = "above" if lab.test in ("alt", "ast") else "below"
    hedge = "" if certain else "may be "
    unit = value.unit or ""
    shown = f"{value.comparator or ''}{_number(value.value)}"
    message = f"{action} tocilizumab: {lab.test} {shown} {unit} {hedge}{relation} {_number(limit)}"
    return SafetyAlert(
        action,
        lab.test,
        float(value.value),
        float(limit),
        unit,
        lab.id,
        lab.collected_at,
        message,
        value.comparator,
    )


def _low_count(
    lab: LabResult, value: Reading, discontinue_below: float, interrupt_up_to: float
) -> SafetyAlert | None:
    """Cytopenia: below the first limit discontinue; up to the second, interrupt."""
    lowest, low = exact(discontinue_below), exact(interrupt_up_to)
    below = value.below(lowest)
    if below is not False:
        return _alert(lab, "discontinue", value, lowest, below)
    at_most = value.at_most(low)
    if at_most is not False:
        return _alert(lab, "interrupt", value, low, at_most)
    return None


def _above(value: Reading, limit: Decimal) -> bool | None:
    at_most = value.at_most(limit)
    return None if at_most is None else not at_most


def _transaminase(lab: LabResult, value: Reading, settings: RuleSettings) -> SafetyAlert | None:
    """ALT/AST above a multiple of the upper limit of normal."""
    uln = optional(lab.reference_high)
    if uln is None:
        uln = exact(settings.transaminase_uln_default_u_per_l)
    discontinue = exact(settings.transaminase_discontinue_above_uln) * uln
    interrupt = exact(settings.transaminase_interrupt_above_uln) * uln
    above = _above(value, discontinue)
    if above is not False:
        return _alert(lab, "discontinue", value, discontinue, above)
    above = _above(value, interrupt)
    if above is not False:
        return _alert(lab, "interrupt", value, interrupt, above)
    return None


def _check(lab: LabResult, value: Reading, settings: RuleSettings) -> SafetyAlert | None:
    s = settings
    if lab.test == "neutrophils":
        return _low_count(
            lab,
            value,
            s.neutrophils_discontinue_below_e9_per_l,
            s.neutrophils_interrupt_up_to_e9_per_l,
        )
    if lab.test == "platelets":
        return _low_count(
            lab, value, s.platelets_discontinue_below_e9_per_l, s.platelets_interrupt_up_to_e9_per_l
        )
    return _transaminase(lab, value, settings)


def safety_alerts(
    records: PatientRecords, as_of: date, settings: RuleSettings
) -> tuple[SafetyAlert, ...]:
    """Alerts from the latest neutrophil, platelet, ALT and AST results in the 30 clinical
    days up to `as_of` (both ends counted in the clinical time zone), for a patient on
    tocilizumab that day; none otherwise. Values and limits are compared exactly."""
    on_drug = any(
        r.drug.code in settings.safety_drug_codes and r.active_on(as_of) for r in records.regimens
    )
    if not on_drug:
        return ()
    first_day = days_before(as_of, settings.safety_window_days)
    tz = settings.clinical_timezone
    alerts = []
    for test in ("neutrophils", "platelets", "alt", "ast"):
        lab = latest_lab(records.lab_results, test, first_day, as_of, tz)
        value = None if lab is None else reading(lab)
        alert = None if lab is None or value is None else _check(lab, value, settings)
        if alert is not None:
            alerts.append(alert)
    return tuple(alerts)
