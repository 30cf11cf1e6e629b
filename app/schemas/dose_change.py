import uuid
from datetime import date
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from app.schemas import examples
from app.schemas.common import ClinicalDate, InputModel, RecordRead
from app.schemas.regimen import Dose, DoseRead, IntervalDays


class DoseChangeCreate(InputModel):
    """A dated change of a regimen's dose: in force from `effective_date` until the next
    change. Without `interval_days` the interval in force is kept."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.DOSE_CHANGE]})

    effective_date: ClinicalDate
    dose: Dose
    interval_days: IntervalDays | None = None


class DoseChangeRead(RecordRead):
    patient_id: uuid.UUID
    regimen_id: uuid.UUID
    effective_date: date
    dose: DoseRead
    interval_days: int | None = Field(description="null: the interval in force is kept")

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        # The table keeps the dose flat (dose_value, dose_unit); the API nests it.
        if hasattr(data, "dose_value"):
            fields = {name: getattr(data, name) for name in cls.model_fields if name != "dose"}
            return {**fields, "dose": {"value": data.dose_value, "unit": data.dose_unit}}
        return data
