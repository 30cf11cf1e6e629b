import uuid
from collections.abc import Sequence
from datetime import datetime

from app.errors import Unprocessable
from app.models import Infusion, Patient, Regimen
from app.repositories import patient_records as repo
from app.schemas.common import PageRequest
from app.schemas.infusion import InfusionCreate, InfusionRecord, InfusionUpdate
from app.services import records
from app.services.uow import UnitOfWork


async def create(uow: UnitOfWork, regimen_id: uuid.UUID, body: InfusionCreate) -> Infusion:
    regimen = await records.parent(uow, Regimen, regimen_id, Infusion, lock=True)
    _check_fits(uow, regimen, body.administered_at)
    fields = body.model_dump()
    row = Infusion(patient_id=regimen.patient_id, regimen_id=regimen.id, **fields)
    return await records.add_natural(uow, row, InfusionRecord, {"regimen_id": regimen.id, **fields})


async def page(
    uow: UnitOfWork, patient_id: uuid.UUID, request: PageRequest
) -> tuple[Sequence[Infusion], str | None]:
    await records.parent(uow, Patient, patient_id, Infusion)
    return await repo.page_for_patient(uow.session, Infusion, patient_id, request)


async def update(
    uow: UnitOfWork, infusion_id: uuid.UUID, body: InfusionUpdate, if_match: int | None
) -> Infusion:
    row = await records.load_for_update(uow, Infusion, infusion_id)
    changes = body.model_dump(include=body.model_fields_set)
    for required in ("administered_at", "dose_mg", "status"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be removed", loc=("body", required))
    if "administered_at" in changes:
        regimen = await records.related(uow, Regimen, row.regimen_id)
        _check_fits(uow, regimen, changes["administered_at"])
    return await records.change(uow, row, changes, if_match, InfusionRecord)


def _check_fits(uow: UnitOfWork, regimen: Regimen, administered_at: datetime) -> None:
    """Infusions exist only for IV regimens, on a day inside the regimen's dates."""
    if regimen.route != "iv":
        raise Unprocessable(
            f"infusions are recorded only for iv regimens; this one is {regimen.route}",
            loc=("path", "regimen_id"),
        )
    day = administered_at.astimezone(uow.settings.zone).date()
    if day < regimen.start_date or (regimen.end_date is not None and day > regimen.end_date):
        end = regimen.end_date.isoformat() if regimen.end_date else "ongoing"
        raise Unprocessable(
            f"administered_at falls outside the regimen ({regimen.start_date.isoformat()} to "
            f"{end})",
            loc=("body", "administered_at"),
        )
