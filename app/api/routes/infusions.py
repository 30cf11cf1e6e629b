import uuid
from typing import Any

from fastapi import APIRouter

from app.api.deps import Idempotent, Paging, ReadUoW, WriteUoW
from app.api.responses import created, errors
from app.api.routes.records import RecordType, add_record_routes
from app.models import Infusion
from app.schemas.common import Page
from app.schemas.infusion import InfusionCreate, InfusionRead, InfusionRecord, InfusionUpdate
from app.services import infusion_checks, infusions

KIND = RecordType(
    collection="infusions",
    name="infusion",
    model=Infusion,
    read=InfusionRead,
    stored=InfusionRecord,
    presenter=infusion_checks.present,
)
router = APIRouter(prefix="/v1", tags=["infusions"])


@router.post(
    "/regimens/{regimen_id}/infusions",
    status_code=201,
    dependencies=[Idempotent],
    response_model=InfusionRead,
    operation_id="createInfusion",
    responses=errors(404, 409),
)
async def create_infusion(regimen_id: uuid.UUID, body: InfusionCreate, uow: WriteUoW) -> Any:
    """Record an infusion of an IV regimen, inside the regimen's dates; the answer carries
    its dose and interval checks."""
    row = await infusions.create(uow, regimen_id, body)
    shown = (await KIND.show(uow, [row]))[0]
    return created(uow, shown, f"/v1/infusions/{row.id}")


@router.get(
    "/patients/{patient_id}/infusions",
    response_model=Page[InfusionRead],
    operation_id="listInfusions",
    responses=errors(404),
)
async def list_infusions(patient_id: uuid.UUID, uow: ReadUoW, paging: Paging) -> Any:
    """A patient's infusions, oldest first, each with its dose and interval checks."""
    rows, cursor = await infusions.page(uow, patient_id, paging)
    return await KIND.page(uow, rows, cursor)


add_record_routes(router, KIND, update=(InfusionUpdate, infusions.update))
