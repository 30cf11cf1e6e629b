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

from app.rules.dates import days_before
from app.rules.inputs import LabResult, PatientRecords
from app.rules.labs import latest_lab, numeric_value
from app.rules.outcomes import SafetyAction, SafetyAlert
from app.rules.settings import RuleSettings


def _alert(
    lab: LabResult, action: SafetyAction, value: float, limit: float, unit: str
) -> SafetyAlert:
    relation = "above" if lab.test in ("alt", "ast") else "below"
    message = f"{action} tocilizumab: {lab.test} {value:g} {unit} {relation} {limit:g}"
    return SafetyAlert(action, lab.test, value, limit, unit, lab.id, lab.collected_at, message)


def _low_count(
    lab: LabResult, value: float, discontinue_below: float, interrupt_up_to: float
) -> SafetyAlert | None:
    """Cytopenia: below the first limit discontinue; up to the second, interrupt."""
    if value < discontinue_below:
        return _alert(lab, "discontinue", value, discontinue_below, "10*9/L")
    if value <= interrupt_up_to:
        return _alert(lab, "interrupt", value, interrupt_up_to, "10*9/L")
    return None


def _transaminase(lab: LabResult, value: float, settings: RuleSettings) -> SafetyAlert | None:
    """ALT/AST above a multiple of the upper limit of normal."""
    uln = lab.reference_high
    if uln is None:
        uln = settings.transaminase_uln_default_u_per_l
    discontinue = settings.transaminase_discontinue_above_uln * uln
    interrupt = settings.transaminase_interrupt_above_uln * uln
    if value > discontinue:
        return _alert(lab, "discontinue", value, discontinue, "U/L")
    if value > interrupt:
        return _alert(lab, "interrupt", value, interrupt, "U/L")
    return None


def _check(lab: LabResult, value: float, settings: RuleSettings) -> SafetyAlert | None:
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
    """Alerts from the latest neutrophil, platelet, ALT and AST results in the 30 days up
    to `as_of`, for a patient on tocilizumab that day; none otherwise."""
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
        value = None if lab is None else numeric_value(lab)
        alert = None if lab is None or value is None else _check(lab, value, settings)
        if alert is not None:
            alerts.append(alert)
    return tuple(alerts)
