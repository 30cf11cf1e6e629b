import uuid
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import ReadModel

FlagStatus = Literal["met", "not_met", "insufficient_data"]
FlagName = Literal["refractory", "steroid_dependent", "remission"]
# The one list of the stored flags (patient_flag rows, cohort filters) and their statuses.
FLAG_NAMES: tuple[FlagName, ...] = get_args(FlagName)
FLAG_STATUSES: tuple[FlagStatus, ...] = get_args(FlagStatus)


class CriterionRead(ReadModel):
    name: str
    status: FlagStatus
    value: float | str | None
    limit: float | None
    unit: str | None
    source_id: str | None = Field(description="id of the record that supplied the value")
    observed_at: datetime | date | None


class FlagRead(ReadModel):
    status: FlagStatus
    summary: str
    criteria: list[CriterionRead]
    evidence: dict[str, Any]


class CaveatRead(ReadModel):
    code: Literal["acute_phase_suppressed"]
    drug: str = Field(description="the drug that lowers the acute-phase reactants")
    criteria: list[str] = Field(description="the criteria whose values it lowers")


class RemissionRead(FlagRead):
    since: date | None
    duration_days: int | None
    sustained: bool
    caveats: list[CaveatRead] = Field(
        description="reasons to read the result with care (an IL-6R or JAK inhibitor lowers "
        "ESR and CRP directly); the status still follows the six criteria"
    )


class RemissionDefinitionRead(ReadModel):
    status: FlagStatus
    value: float | None = Field(description="the score (SDAI, CDAI); null for Boolean")
    criteria: list[CriterionRead]
    assessment_id: str | None
    source_ids: list[str] = Field(description="the assessment and, when used, the CRP")


class RemissionDefinitionsRead(ReadModel):
    """Published remission definitions side by side (reported, not stored as flags)."""

    boolean_2011: RemissionDefinitionRead
    boolean_2022: RemissionDefinitionRead
    sdai: RemissionDefinitionRead
    cdai: RemissionDefinitionRead


class ScoreRead(ReadModel):
    name: str
    value: float | None
    category: str | None
    omitted_reason: str | None
    warning: str | None
    source_ids: list[str]


class DiseaseActivityRead(ReadModel):
    assessment_id: str | None
    assessed_at: datetime | None
    scores: list[ScoreRead]


class SafetyAlertRead(ReadModel):
    action: Literal["discontinue", "interrupt"]
    test: str
    value: float
    limit: float
    unit: str
    source_id: str
    observed_at: datetime
    message: str
    comparator: str | None = Field(
        default=None, description="a censored result: `value` is its bound"
    )


class StatusRead(ReadModel):
    patient_id: uuid.UUID
    as_of: date
    rules_version: str
    settings: dict[str, Any] = Field(description="the thresholds and windows used")
    refractory: FlagRead
    steroid_dependent: FlagRead
    remission: RemissionRead
    disease_activity: DiseaseActivityRead
    safety_alerts: list[SafetyAlertRead]
    remission_definitions: RemissionDefinitionsRead


class FlagChangeRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    flag: FlagName
    from_status: FlagStatus | None = Field(alias="from")
    to_status: FlagStatus = Field(alias="to")
    effective_date: date


class StatusHistoryRead(BaseModel):
    patient_id: uuid.UUID
    as_of: date
    rules_version: str
    items: list[FlagChangeRead]
