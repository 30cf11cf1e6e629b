"""A patient's course as one ordered list: each item says what it is (`kind`), when (`date`,
or `start`/`end` for a regimen's span), a one-line `summary`, and the record itself as its
own GET shows it (infusions with their checks), so a frontend draws it without more calls.

A dose change (when recorded) is both a step in its regimen's `doses` and an item of kind
`dose_change` of its own on its effective date."""

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.assessment import AssessmentRead
from app.schemas.infusion import InfusionRead
from app.schemas.lab_result import LabResultRead
from app.schemas.regimen import DoseRead, RegimenRead
from app.schemas.status import FlagName, FlagStatus

TimelineKind = Literal["regimen", "infusion", "lab_result", "assessment", "flag_change"]


class DoseStepRead(BaseModel):
    effective_date: date
    dose: DoseRead
    interval_days: int | None
    dose_change_id: uuid.UUID | None = Field(
        description="the dose change that set it; null for the regimen's starting dose"
    )


class RegimenSpan(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["regimen"] = "regimen"
    start: date
    end: date | None = Field(description="null: ongoing")
    record_id: uuid.UUID
    summary: str
    doses: list[DoseStepRead] = Field(description="the starting dose, then each change")
    record: RegimenRead


class InfusionEvent(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["infusion"] = "infusion"
    date: date
    record_id: uuid.UUID
    summary: str
    record: InfusionRead


class LabResultEvent(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["lab_result"] = "lab_result"
    date: date
    record_id: uuid.UUID
    summary: str
    record: LabResultRead


class AssessmentEvent(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["assessment"] = "assessment"
    date: date
    record_id: uuid.UUID
    summary: str
    record: AssessmentRead


class FlagChangeEvent(BaseModel):
    """A change of a flag's status, as the status history shows it (no record of its own)."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_serialization_defaults_required=True
    )

    kind: Literal["flag_change"] = "flag_change"
    date: date
    record_id: None = None
    summary: str
    flag: FlagName
    from_status: FlagStatus | None = Field(alias="from", serialization_alias="from")
    to_status: FlagStatus = Field(alias="to", serialization_alias="to")


TimelineItem = Annotated[
    RegimenSpan | InfusionEvent | LabResultEvent | AssessmentEvent | FlagChangeEvent,
    Field(discriminator="kind"),
]


class TimelinePage(BaseModel):
    items: list[TimelineItem]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null at the end"
    )
