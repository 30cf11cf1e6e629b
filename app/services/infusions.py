import uuid
from datetime import datetime

from app.errors import NotFound, Unprocessable
from app.models import Infusion, Regimen
from app.schemas.infusion import InfusionCreate, InfusionUpdate
from app.services import records
from app.services.records import Saved
from app.services.resources import INFUSION, REGIMEN
from app.services.uow import UnitOfWork


async def create(
    uow: UnitOfWork,
    regimen_id: uuid.UUID,
    body: InfusionCreate,
    *,
    record_id: uuid.UUID | None = None,
) -> Saved[Infusion]:
    # The infusion is checked against its regimen's dates: locked and re-read first.
    regimen = await records.target(uow, REGIMEN, regimen_id, live=True, lock=True)
    uow.audit.about(INFUSION.name)
    _check_fits(uow, regimen, body.administered_at)
    fields = body.model_dump()
    row = Infusion(id=record_id, patient_id=regimen.patient_id, regimen_id=regimen.id, **fields)
    return await records.create_natural(uow, row, {"regimen_id": regimen.id, **fields})


async def update(
    uow: UnitOfWork, infusion_id: uuid.UUID, body: InfusionUpdate, *, if_match: int | None
) -> Infusion:
    row = await records.target(uow, INFUSION, infusion_id, live=True, lock=True)
    changes = body.model_dump(include=body.model_fields_set)
    for required in ("administered_at", "dose_mg", "status"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be removed", loc=("body", required))
    if "administered_at" in changes:
        try:
            regimen = await records.get_live(uow, REGIMEN, row.regimen_id)
        except NotFound as exc:  # the caller named the infusion, not its regimen
            raise NotFound("the regimen of this record is gone") from exc
        _check_fits(uow, regimen, changes["administered_at"])
    return await records.change(uow, row, changes, if_match=if_match)


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
