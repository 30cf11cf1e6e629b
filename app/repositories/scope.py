"""Which patients a query may see: the organization filter every patient-scoped repository
function applies, from the one Scope its unit of work built for the caller.

A table is patient-scoped when it has an `organization` column (patients, audit events) or
a `patient_id` column (every record, history row, stored flag, Idempotency-Key answer):
`Scope.where(model)` derives the filter from the table itself, so a new record type is
filtered by construction, and a table that is neither is refused rather than left open.

The filter is part of the one query that loads the rows: a patient of another organization
is not found by the same statement, in the same way, as a patient that does not exist.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_

from app.models import Patient


@dataclass(frozen=True, slots=True)
class Scope:
    """`organizations`: the codes whose patients are visible; None: every patient (tenancy
    off, a group-wide caller, the service's own jobs). An empty set sees nothing."""

    organizations: frozenset[str] | None

    @classmethod
    def everything(cls) -> "Scope":
        return cls(None)

    @classmethod
    def within(cls, organizations: frozenset[str]) -> "Scope":
        return cls(frozenset(organizations))

    @property
    def unrestricted(self) -> bool:
        return self.organizations is None

    def allows(self, organization: str) -> bool:
        return self.organizations is None or organization in self.organizations

    def where(self, model: Any) -> tuple[ColumnElement[bool], ...]:
        """The criteria that keep `model`'s rows to this scope (none when unrestricted)."""
        if self.organizations is None:
            _check_scoped(model)
            return ()
        codes = sorted(self.organizations)  # a stable statement for the statement cache
        organization = getattr(model, "organization", None)
        if organization is not None:
            return (one_of(organization, codes),)
        patient_id = getattr(model, "patient_id", None)
        if patient_id is None:
            raise TypeError(f"{model.__name__} is not patient-scoped")
        # Correlated: this row's patient, looked up by its primary key.
        mine = exists().where(Patient.id == patient_id, one_of(Patient.organization, codes))
        return (mine,)


def one_of(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`, for values that are constants of a statement built once, as
    `column = :value OR ...`: parameters bound once with the statement, not an IN list
    rendered anew at each execution, so that its hot reads run on the driver (driver.py).
    No values: false."""
    if not values:
        return false()
    return or_(*(column == value for value in values))


def _check_scoped(model: Any) -> None:
    if not (hasattr(model, "organization") or hasattr(model, "patient_id")):
        raise TypeError(f"{model.__name__} is not patient-scoped")
