import uuid
from typing import Any

from app.api.deps import Idempotent, WriteUoW, api_router
from app.api.responses import answer_model, created, errors, replayable, resent
from app.api.routes.records import add_record_routes
from app.schemas.infusion import InfusionCreate, InfusionUpdate
from app.services import infusions
from app.services.resources import INFUSION

router = api_router(prefix="/v1", tags=["infusions"])


@router.post(
    "/regimens/{regimen_id}/infusions",
    status_code=201,
    dependencies=[Idempotent],
    response_model=answer_model(INFUSION),
    operation_id="createInfusion",
    responses={**errors(404, 409), **resent(INFUSION)},
)
@replayable
async def create_infusion(regimen_id: uuid.UUID, body: InfusionCreate, uow: WriteUoW) -> Any:
    """Record an infusion of an IV regimen, inside the regimen's dates; the answer carries
    its dose and interval checks."""
    return await created(uow, INFUSION, await infusions.create(uow, regimen_id, body))


add_record_routes(
    router,
    INFUSION,
    listing="A patient's infusions, oldest first, each with its dose and interval checks.",
    update=(InfusionUpdate, infusions.update),
)
