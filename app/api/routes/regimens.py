import uuid
from typing import Any

from app.api.deps import Idempotent, WriteUoW, api_router
from app.api.responses import answer_model, created, errors, replayable
from app.api.routes.records import add_record_routes
from app.schemas.regimen import RegimenCreate, RegimenUpdate
from app.services import regimens
from app.services.resources import REGIMEN

router = api_router(prefix="/v1", tags=["regimens"])


@router.post(
    "/patients/{patient_id}/regimens",
    status_code=201,
    dependencies=[Idempotent],
    response_model=answer_model(REGIMEN),
    operation_id="createRegimen",
    responses=errors(404),
)
@replayable
async def create_regimen(patient_id: uuid.UUID, body: RegimenCreate, uow: WriteUoW) -> Any:
    """Start a drug regimen; the drug must be in the catalogue."""
    return await created(uow, REGIMEN, await regimens.create(uow, patient_id, body))


add_record_routes(
    router,
    REGIMEN,
    listing="A patient's regimens by start date.",
    update=(RegimenUpdate, regimens.update),
)
