"""The clinical rules: pure functions of a patient's records and an `as_of` date.

No database, no HTTP, no clock; standard library only. See docs/clinical-rules.md.
"""

from dataclasses import dataclass
from datetime import date

from app.rules import activity, refractory, remission, safety, steroids
from app.rules.dates import clinical_date, window_bounds
from app.rules.doses import Dose, current_dose, dose_on
from app.rules.exact import exact
from app.rules.history import (
    changes_in,
    flag_changes,
    resume_from,
    resumed_changes,
    since_of,
    status_history,
)
from app.rules.infusions import check_dose, check_interval, interval_in_force
from app.rules.inputs import (
    Assessment,
    DoseChange,
    DrugFacts,
    Infusion,
    LabResult,
    Patient,
    PatientRecords,
    Regimen,
)
from app.rules.labs import to_canonical
from app.rules.outcomes import (
    Caveat,
    Criterion,
    DiseaseActivity,
    DoseCheck,
    FlagChange,
    FlagResult,
    IntervalCheck,
    PatientStatus,
    RemissionDefinition,
    RemissionDefinitions,
    RemissionResult,
    SafetyAlert,
    Score,
    Status,
)
from app.rules.remission_definitions import remission_definitions
from app.rules.settings import RULES_VERSION, RuleSettings

__all__ = [
    "RULES_VERSION",
    "Assessment",
    "Caveat",
    "Criterion",
    "DiseaseActivity",
    "Dose",
    "DoseChange",
    "DoseCheck",
    "DrugFacts",
    "FlagChange",
    "FlagResult",
    "Flags",
    "Infusion",
    "IntervalCheck",
    "LabResult",
    "Patient",
    "PatientRecords",
    "PatientStatus",
    "Regimen",
    "RemissionDefinition",
    "RemissionDefinitions",
    "RemissionResult",
    "RuleSettings",
    "SafetyAlert",
    "Score",
    "Status",
    "check_dose",
    "check_interval",
    "clinical_date",
    "current_dose",
    "dose_on",
    "evaluate",
    "evaluate_flags",
    "exact",
    "flag_changes",
    "interval_in_force",
    "resume_from",
    "resumed_changes",
    "since_of",
    "status_history",
    "to_canonical",
    "window_bounds",
]


def evaluate(
    records: PatientRecords, as_of: date, settings: RuleSettings | None = None
) -> PatientStatus:
    """Every flag, score and alert of one patient on `as_of`, naming the rules version
    and the settings used. Records entered in error are ignored."""
    settings = settings or RuleSettings()
    visible = records.visible()
    flags = _flags(visible, as_of, settings)
    return PatientStatus(
        as_of=as_of,
        rules_version=RULES_VERSION,
        settings=settings.as_dict(),
        refractory=flags.refractory,
        steroid_dependent=flags.steroid_dependent,
        remission=flags.remission,
        disease_activity=activity.disease_activity(visible, as_of, settings),
        safety_alerts=safety.safety_alerts(visible, as_of, settings),
        remission_definitions=remission_definitions(visible, as_of, settings),
    )


@dataclass(frozen=True)
class Flags:
    refractory: FlagResult
    steroid_dependent: FlagResult
    remission: RemissionResult
    # Every change of remission up to `as_of` (flag_changes), from the same timeline.
    remission_changes: tuple[FlagChange, ...] = ()


def evaluate_flags(records: PatientRecords, as_of: date, settings: RuleSettings) -> Flags:
    """The three flags alone (what is stored after each write), without scores or alerts,
    with remission's changes (the stored remission flag keeps them). Records entered in
    error are ignored."""
    return _flags(records.visible(), as_of, settings)


def _flags(visible: PatientRecords, as_of: date, settings: RuleSettings) -> Flags:
    timeline = remission.remission_timeline(visible, as_of, settings)  # swept once for both
    return Flags(
        refractory=refractory.refractory(visible.regimens, as_of, settings),
        steroid_dependent=steroids.steroid_dependent(visible.regimens, as_of, settings),
        remission=remission.remission(visible, as_of, settings, timeline),
        remission_changes=tuple(changes_in(timeline)),
    )
