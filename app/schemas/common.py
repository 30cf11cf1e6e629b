"""Shared schema pieces: strict input models, record metadata, pages and problems."""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
)

T = TypeVar("T")

# Input clock skew a sender may have before a timestamp counts as "in the future".
FUTURE_TOLERANCE = timedelta(hours=1)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def no_control_characters(value: str) -> str:
    """Text is stored and shown as sent: a NUL or other control character is refused (one
    database cannot store NUL, the other would; neither belongs in a clinical record)."""
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


class InputModel(BaseModel):
    """Unknown fields and NaN/Infinity are refused; numbers and dates are not coerced
    from other JSON types (see the annotated types below); no text field, present or
    future, takes control characters."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return no_control_characters(value)
        return value


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?$"
)


def _iso_date_text(value: object) -> object:
    """Dates travel as YYYY-MM-DD strings: `0` or `1.5` is not read as a Unix time."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("must be a date in YYYY-MM-DD form")
    return value


def _rfc3339_text(value: object) -> object:
    """Timestamps travel as RFC 3339 strings: a number is not read as a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not RFC3339.match(value):
        raise ValueError("must be a timestamp in RFC 3339 form with an offset")
    return value


def _plausible_date(value: date) -> date:
    if not date(1900, 1, 1) <= value <= date(2200, 12, 31):
        raise ValueError("must be between 1900-01-01 and 2200-12-31")
    return value


def _plausible_moment(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError("must be between the years 1900 and 2200")
    return value


def _not_future_datetime(value: datetime) -> datetime:
    if value > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise ValueError("must not be in the future")
    if value.year < 1900:  # also keeps date arithmetic on it far from datetime.min
        raise ValueError("must not be before 1900")
    return value.astimezone(UTC)


def _not_future_date(value: date) -> date:
    if value > datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError("must not be in the future")
    if value.year < 1900:
        raise ValueError("must not be before 1900")
    return value


PastTimestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_not_future_datetime),
    Field(
        description="RFC 3339 with an offset; returned in UTC", examples=["2016-05-10T08:00:00Z"]
    ),
]
# A time range bound in a query: offset required, within the years records can have.
QueryTimestamp = Annotated[
    AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_plausible_moment)
]
PastDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_not_future_date)]
ClinicalDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_plausible_date)]
# Free text in a query (mrn, actor, test): the same refusal of control characters.
QueryText = Annotated[str, AfterValidator(no_control_characters)]
# Strict: "5" and true are refused; an integer is a fine float.
Number = Annotated[float, Strict()]
Integer = Annotated[int, Strict()]
PositiveNumber = Annotated[Number, Field(gt=0, le=1_000_000)]
ExternalId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]


class RecordRead(ReadModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    entered_in_error: bool


class RecordReceipt(BaseModel):
    """What a write answers a caller without records:read (least exposure): which record,
    which version, whose, and when, never a stored clinical field. A patient's `patient_id`
    is its own id."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    version: int
    patient_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    entered_in_error: bool


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null at the end"
    )


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page of a listing: after `cursor` (None: from the start), at most `limit` rows."""

    cursor: str | None
    limit: int
    include_in_error: bool = False


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemError] | None = None
