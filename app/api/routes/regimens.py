import uuid
from typing import Any

from fastapi import APIRouter

from app.api.deps import Idempotent, Paging, ReadUoW, WriteUoW
from app.api.responses import created, errors
from app.api.routes.records import RecordType, add_record_routes
from app.models import Regimen
from app.schemas.common import Page
from app.schemas.regimen import RegimenCreate, RegimenRead, RegimenUpdate
from app.services import regimens

KIND = RecordType(collection="regimens", name="regimen", model=Regimen, read=RegimenRead)
router = APIRouter(prefix="/v1", tags=["regimens"])


@router.post(
    "/patients/{patient_id}/regimens",
    status_code=201,
    dependencies=[Idempotent],
    response_model=RegimenRead,
    operation_id="createRegimen",
    responses=errors(404),
)
async def create_regimen(patient_id: uuid.UUID, body: RegimenCreate, uow: WriteUoW) -> Any:
    """Start a drug regimen; the drug must be in the catalogue."""
    row = await regimens.create(uow, patient_id, body)
    return created(uow, RegimenRead.model_validate(row), f"/v1/regimens/{row.id}")


@router.get(
    "/patients/{patient_id}/regimens",
    response_model=Page[RegimenRead],
    operation_id="listRegimens",
    responses=errors(404),
)
async def list_regimens(patient_id: uuid.UUID, uow: ReadUoW, paging: Paging) -> Any:
    """A patient's regimens by start date."""
    rows, cursor = await regimens.page(uow, patient_id, paging)
    return await KIND.page(uow, rows, cursor)


add_record_routes(router, KIND, update=(RegimenUpdate, regimens.update))
