import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import examples
from app.schemas.common import (
    ExternalId,
    InputModel,
    Number,
    PastTimestamp,
    PositiveNumber,
    RecordRead,
    RecordReceipt,
)

InfusionStatus = Literal["completed", "interrupted", "cancelled"]
Weight = Annotated[Number, Field(gt=0, le=500, description="body weight in kg")]


class InfusionCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.INFUSION]})

    administered_at: PastTimestamp
    dose_mg: PositiveNumber
    weight_kg: Weight | None = None
    status: InfusionStatus = "completed"
    external_id: ExternalId | None = None


class InfusionUpdate(InputModel):
    administered_at: PastTimestamp | None = None
    dose_mg: PositiveNumber | None = None
    weight_kg: Weight | None = None
    status: InfusionStatus | None = None


class InfusionRecord(RecordRead):
    """An infusion as stored (what its version history keeps)."""

    patient_id: uuid.UUID
    regimen_id: uuid.UUID
    administered_at: datetime
    dose_mg: float
    weight_kg: float | None
    status: InfusionStatus
    external_id: str | None


class DoseCheckRead(BaseModel):
    status: Literal["ok", "out_of_range", "unknown"]
    expected_mg: float | None = Field(description="dose x weight, capped at the drug maximum")
    deviation_pct: float | None = Field(description="(given - expected) / expected x 100")


class IntervalCheckRead(BaseModel):
    status: Literal["first", "early", "on_time", "late", "unknown"]
    days_since_previous: int | None


class InfusionRead(InfusionRecord):
    dose_check: DoseCheckRead
    interval_check: IntervalCheckRead


class InfusionReceipt(RecordReceipt):
    """An infusion's receipt keeps its checks: they are what the sender acts on."""

    dose_check: DoseCheckRead
    interval_check: IntervalCheckRead
