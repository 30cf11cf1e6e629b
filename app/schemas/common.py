"""Shared schema pieces: strict input models, record metadata, pages and problems."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

T = TypeVar("T")

# Input clock skew a sender may have before a timestamp counts as "in the future".
FUTURE_TOLERANCE = timedelta(hours=1)


class InputModel(BaseModel):
    """Unknown fields and NaN/Infinity are refused; numbers and dates are not coerced
    from other JSON types (see the annotated types below)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _json_string(value: object) -> object:
    """Dates travel as strings: a number is not silently read as a Unix timestamp."""
    if not isinstance(value, str | date):
        raise ValueError("must be a string in ISO 8601 / RFC 3339 form")
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
    BeforeValidator(_json_string),
    AfterValidator(_not_future_datetime),
    Field(
        description="RFC 3339 with an offset; returned in UTC", examples=["2016-05-10T08:00:00Z"]
    ),
]
# A time range bound in a query: offset required, within the years records can have.
QueryTimestamp = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
PastDate = Annotated[date, BeforeValidator(_json_string), AfterValidator(_not_future_date)]
ClinicalDate = Annotated[date, BeforeValidator(_json_string), AfterValidator(_plausible_date)]
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
