import uuid
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from app.schemas import examples
from app.schemas.common import (
    ClinicalDate,
    ExternalId,
    InputModel,
    Integer,
    PositiveNumber,
    ReadModel,
    RecordRead,
)

# Glucocorticoids given intra_articular or topical do not count toward the systemic dose.
Route = Literal["iv", "sc", "oral", "im", "intra_articular", "topical"]
# mg/m2: body surface area (Mosteller) from the latest height and weight.
DoseUnit = Literal["mg", "mg/kg", "mg/m2", "mg/day"]
DiscontinuationReason = Literal[
    "inefficacy", "intolerance", "adverse_event", "remission", "patient_choice", "access", "other"
]
IntervalDays = Annotated[Integer, Field(ge=1, le=3650)]


class Dose(InputModel):
    value: PositiveNumber
    unit: DoseUnit


class DoseRead(ReadModel):
    value: float
    unit: DoseUnit


class RegimenFields(InputModel):
    """The fields a regimen may change after creation, with the rules tying them together."""

    dose: Dose
    interval_days: IntervalDays | None = None
    start_date: ClinicalDate
    end_date: ClinicalDate | None = None
    discontinuation_reason: DiscontinuationReason | None = None

    @model_validator(mode="after")
    def _dates_and_reason(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if self.discontinuation_reason is not None and self.end_date is None:
            raise ValueError("discontinuation_reason may only be set together with an end_date")
        return self


class RegimenCreate(RegimenFields):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REGIMEN]})

    drug: Annotated[str, Field(min_length=1, max_length=64, description="a catalogue drug code")]
    route: Route
    external_id: ExternalId | None = None


class RegimenUpdate(InputModel):
    """Drug and route are fixed: a different drug is a new regimen."""

    dose: Dose | None = None
    interval_days: IntervalDays | None = None
    start_date: ClinicalDate | None = None
    end_date: ClinicalDate | None = None
    discontinuation_reason: DiscontinuationReason | None = None


class RegimenRecord(RecordRead):
    """A regimen as stored (what its version history keeps): `dose` is the starting dose."""

    patient_id: uuid.UUID
    drug: str
    dose: DoseRead
    route: Route
    interval_days: int | None
    start_date: date
    end_date: date | None
    discontinuation_reason: DiscontinuationReason | None
    external_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        # The table keeps the dose flat (dose_value, dose_unit); the API nests it.
        if hasattr(data, "dose_value"):
            fields = {name: getattr(data, name) for name in _STORED if name != "dose"}
            return {**fields, "dose": {"value": data.dose_value, "unit": data.dose_unit}}
        return data


_STORED = tuple(RegimenRecord.model_fields)


class RegimenRead(RegimenRecord):
    current_dose: DoseRead | None = Field(
        description="the dose in force today, dose changes included; null once ended"
    )
