import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.api.deps import Paging, ReadUnit, WriteUnit
from app.api.responses import created, errors, page_of
from app.api.routes.records import add_record_routes
from app.models import Infusion
from app.schemas.common import Page
from app.schemas.infusion import InfusionCreate, InfusionRead, InfusionUpdate
from app.services import infusions

router = APIRouter(prefix="/v1", tags=["infusions"])


@router.post(
    "/regimens/{regimen_id}/infusions",
    status_code=201,
    response_model=InfusionRead,
    operation_id="createInfusion",
    responses=errors(404, 409),
)
async def create_infusion(
    regimen_id: uuid.UUID, body: InfusionCreate, unit: WriteUnit, response: Response
) -> Any:
    """Record an infusion of an IV regimen, inside the regimen's dates."""
    row = await infusions.create(unit, regimen_id, body)
    return created(response, unit, InfusionRead.model_validate(row), f"/v1/infusions/{row.id}")


@router.get(
    "/patients/{patient_id}/infusions",
    response_model=Page[InfusionRead],
    operation_id="listInfusions",
    responses=errors(404),
)
async def list_infusions(patient_id: uuid.UUID, unit: ReadUnit, paging: Paging) -> Any:
    """A patient's infusions, oldest first."""
    rows, cursor = await infusions.page(unit, patient_id, paging)
    return page_of(InfusionRead, rows, cursor)


add_record_routes(
    router,
    collection="infusions",
    name="infusion",
    model=Infusion,
    read=InfusionRead,
    update=(InfusionUpdate, infusions.update),
)
