"""Dated dose changes of a regimen (clinical-rules.md, second edition): records like the
others (version, history, entered in error); the rules read the dose in force on each day.
A change does not change its regimen (nor its version)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Unprocessable
from app.models import DoseChange, Regimen
from app.repositories import patient_records as repo
from app.schemas.common import PageRequest
from app.schemas.dose_change import DoseChangeCreate
from app.services import records
from app.services.records import Saved
from app.services.resources import DOSE_CHANGE, REGIMEN
from app.services.uow import UnitOfWork

_TWICE = "this regimen already has a dose change effective on this date"


async def create(
    uow: UnitOfWork,
    regimen_id: uuid.UUID,
    body: DoseChangeCreate,
    *,
    record_id: uuid.UUID | None = None,
) -> Saved[DoseChange]:
    # Locked and re-read: two changes of one date cannot both pass the check below.
    regimen = await records.target(uow, REGIMEN, regimen_id, live=True, lock=True)
    uow.audit.about(DOSE_CHANGE.name)
    _check_inside(regimen, body)
    existing = await repo.dose_change_on(uow.session, uow.scope, regimen.id, body.effective_date)
    if existing is not None:
        return _resent(uow, existing, body)
    row = DoseChange(
        id=record_id,
        patient_id=regimen.patient_id,
        regimen_id=regimen.id,
        effective_date=body.effective_date,
        dose_value=body.dose.value,
        dose_unit=body.dose.unit,
        interval_days=body.interval_days,
    )
    try:
        return await records.create(uow, row)
    except IntegrityError as exc:  # the partial unique index: a writer the lock did not see
        raise Conflict(_TWICE) from exc


def _resent(uow: UnitOfWork, existing: DoseChange, body: DoseChangeCreate) -> Saved[DoseChange]:
    """The same change sent again (a retry, an interface re-sending) is that change; a
    different dose on the same date is a conflict naming the stored one (the live one:
    the index allows one a date)."""
    sent = {
        "dose_value": body.dose.value,
        "dose_unit": body.dose.unit,
        "interval_days": body.interval_days,
    }
    records.check_resent(existing, sent, different=_TWICE)
    uow.audit.touch(DOSE_CHANGE.name, existing.id, existing.patient_id)
    return Saved(existing, created=False)


def _check_inside(regimen: Regimen, body: DoseChangeCreate) -> None:
    day = body.effective_date
    if day < regimen.start_date or (regimen.end_date is not None and day > regimen.end_date):
        end = regimen.end_date.isoformat() if regimen.end_date else "ongoing"
        raise Unprocessable(
            f"effective_date falls outside the regimen ({regimen.start_date.isoformat()} to "
            f"{end}); a correction of the starting dose is a change on the start date",
            loc=("body", "effective_date"),
        )


async def page(
    uow: UnitOfWork, regimen_id: uuid.UUID, request: PageRequest
) -> tuple[Sequence[DoseChange], str | None]:
    """A regimen's dose changes by effective date."""
    regimen = await records.target(uow, REGIMEN, regimen_id)
    return await records.page(
        uow,
        DOSE_CHANGE,
        regimen.patient_id,
        request,
        lambda: repo.dose_change_filters(regimen.id),
    )
