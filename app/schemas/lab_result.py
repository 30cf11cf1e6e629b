import operator
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from app.schemas import examples
from app.schemas.common import (
    ExternalId,
    InputModel,
    Number,
    PastTimestamp,
    ReadModel,
    RecordRead,
)

QualitativeValue = Literal["negative", "positive", "borderline"]
# A censored value ("<0.3"): the true value lies on this side of `value`.
Comparator = Literal["<", "<=", ">", ">="]
LabValue = Annotated[Number, Field(ge=0, le=1_000_000)]


class ReferenceRange(InputModel):
    low: LabValue | None = None
    high: LabValue | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low must not be above high")
        return self


class LabResultCreate(InputModel):
    """A numeric result (value + unit) or a qualitative one (value_text)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [examples.LAB_RESULT, examples.QUALITATIVE_LAB_RESULT]}
    )

    test: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    loinc: Annotated[str, Field(min_length=3, max_length=16)] | None = None
    value: LabValue | None = None
    comparator: Comparator | None = Field(
        default=None, description="for a censored value: the true value is `comparator value`"
    )
    unit: Annotated[str, Field(min_length=1, max_length=16, description="UCUM code")] | None = None
    value_text: QualitativeValue | None = None
    reference_range: ReferenceRange | None = None
    collected_at: PastTimestamp
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.test is None and self.loinc is None:
            raise ValueError("name the test by `test` (catalogue key) or `loinc`")
        if (self.value is None) == (self.value_text is None):
            raise ValueError("send exactly one of `value` (numeric) and `value_text` (qualitative)")
        if self.value is not None and self.unit is None:
            raise ValueError("a numeric `value` needs its `unit`")
        if self.comparator is not None and self.value is None:
            raise ValueError("a `comparator` qualifies a numeric `value`")
        if self.value_text is not None and (self.unit is not None or self.reference_range):
            raise ValueError("a qualitative result carries no `unit` or `reference_range`")
        return self


class ReferenceRangeRead(ReadModel):
    low: float | None
    high: float | None


class LabResultRead(RecordRead):
    patient_id: uuid.UUID
    test: str
    loinc: str
    value: float | None
    comparator: Comparator | None
    unit: str | None
    value_text: QualitativeValue | None
    reference_range: ReferenceRangeRead | None
    canonical_value: float | None
    canonical_unit: str | None
    collected_at: datetime
    external_id: str | None

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if hasattr(data, "reference_low"):
            fields = dict(zip(_STORED, _stored(data), strict=True))  # one C call for them all
            low, high = data.reference_low, data.reference_high
            has_range = low is not None or high is not None
            return {**fields, "reference_range": {"low": low, "high": high} if has_range else None}
        return data


# The read model's fields a stored row has as they are (all but the nested reference range).
_STORED = tuple(name for name in LabResultRead.model_fields if name != "reference_range")
_stored = operator.attrgetter(*_STORED)
