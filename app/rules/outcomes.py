"""What the rules return: frozen, JSON-friendly results with their evidence."""

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal


class Status(StrEnum):
    """Three-valued result: missing or stale data is `insufficient_data`, never good news."""

    MET = "met"
    NOT_MET = "not_met"
    INSUFFICIENT_DATA = "insufficient_data"


def combine(statuses: Iterable[Status]) -> Status:
    """All met -> met; any not met -> not met; otherwise insufficient data."""
    return combined(set(statuses))


def combined(present: Container[Status]) -> Status:
    """`combine` of criteria whose statuses are those `present` (a set, or the keys of
    a running count)."""
    if Status.NOT_MET in present:
        return Status.NOT_MET
    if Status.INSUFFICIENT_DATA in present:
        return Status.INSUFFICIENT_DATA
    return Status.MET


@dataclass(frozen=True)
class Criterion:
    """One sub-criterion: the value used, the limit, and the record that supplied it."""

    name: str
    status: Status
    value: float | str | None = None
    limit: float | None = None
    unit: str | None = None
    source_id: str | None = None
    observed_at: datetime | date | None = None


@dataclass(frozen=True)
class FlagResult:
    status: Status
    summary: str
    criteria: tuple[Criterion, ...] = ()
    evidence: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Caveat:
    """A reason to read a result with care, e.g. `acute_phase_suppressed`: `drug` lowers
    the acute-phase reactants the `criteria` read."""

    code: str
    drug: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class RemissionResult(FlagResult):
    """`since`: first day of the current unbroken run of remission (None when not met)."""

    since: date | None = None
    duration_days: int | None = None
    sustained: bool = False
    caveats: tuple[Caveat, ...] = ()


@dataclass(frozen=True)
class RemissionDefinition:
    """One published remission definition, reported beside the flag (not stored):
    `value` is the score for SDAI/CDAI (None for Boolean, or when it cannot be computed);
    `source_ids` the assessment and, when used, the CRP."""

    name: str
    status: Status
    value: float | None
    criteria: tuple[Criterion, ...]
    assessment_id: str | None
    source_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemissionDefinitions:
    """ACR/EULAR Boolean 2011 and 2022, SDAI and CDAI remission, side by side."""

    boolean_2011: RemissionDefinition
    boolean_2022: RemissionDefinition
    sdai: RemissionDefinition
    cdai: RemissionDefinition


@dataclass(frozen=True)
class Score:
    """A disease-activity score, or the reason it was omitted (`value` None). The value
    is reported rounded to 2 decimals; its category was decided on the unrounded score.
    `source_ids` starts with the assessment used (each score may use its own)."""

    name: str
    value: float | None
    category: str | None = None
    omitted_reason: str | None = None
    warning: str | None = None
    source_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiseaseActivity:
    assessment_id: str | None
    assessed_at: datetime | None
    scores: tuple[Score, ...]


DoseStatus = Literal["ok", "out_of_range", "unknown"]
IntervalStatus = Literal["first", "early", "on_time", "late", "unknown"]
SafetyAction = Literal["discontinue", "interrupt"]


@dataclass(frozen=True)
class DoseCheck:
    status: DoseStatus
    expected_mg: float | None
    deviation_pct: float | None


@dataclass(frozen=True)
class IntervalCheck:
    status: IntervalStatus
    days_since_previous: int | None


@dataclass(frozen=True)
class SafetyAlert:
    """A tocilizumab monitoring alert naming the lab result that triggered it. For a
    censored result (`comparator` set) `value` is its bound, and the action is the most
    severe one the result cannot rule out."""

    action: SafetyAction
    test: str
    value: float
    limit: float
    unit: str
    source_id: str
    observed_at: datetime
    message: str
    comparator: str | None = None


@dataclass(frozen=True)
class FlagChange:
    """A flag's status differs from its previous evaluation (`from_status` None: first)."""

    flag: str
    from_status: Status | None
    to_status: Status
    effective_date: date


@dataclass(frozen=True)
class PatientStatus:
    as_of: date
    rules_version: str
    settings: Mapping[str, object]
    refractory: FlagResult
    steroid_dependent: FlagResult
    remission: RemissionResult
    disease_activity: DiseaseActivity
    safety_alerts: tuple[SafetyAlert, ...]
    remission_definitions: RemissionDefinitions | None = None
