import uuid
from typing import Any

from app.api.deps import Idempotent, Paging, ReadUoW, WriteUoW, api_router
from app.api.responses import answer_model, created, errors, listed, replayable
from app.api.routes.records import add_record_routes
from app.schemas.common import Page
from app.schemas.dose_change import DoseChangeCreate, DoseChangeRead
from app.services import dose_changes
from app.services.resources import DOSE_CHANGE

router = api_router(prefix="/v1", tags=["dose changes"])


@router.post(
    "/regimens/{regimen_id}/dose-changes",
    status_code=201,
    dependencies=[Idempotent],
    response_model=answer_model(DOSE_CHANGE),
    operation_id="createDoseChange",
    responses={
        **errors(404, 409),
        200: {
            "model": answer_model(DOSE_CHANGE),
            "description": "The same change (date, dose, interval) sent again: the stored one",
        },
    },
)
@replayable
async def create_dose_change(regimen_id: uuid.UUID, body: DoseChangeCreate, uow: WriteUoW) -> Any:
    """Change a regimen's dose from a date on (an escalation, a taper step); earlier days
    keep the dose they had. One change per regimen and date: the same change sent again
    answers 200 with the stored one, a different one on that date 409."""
    return await created(uow, DOSE_CHANGE, await dose_changes.create(uow, regimen_id, body))


@router.get(
    "/regimens/{regimen_id}/dose-changes",
    response_model=Page[DoseChangeRead],
    operation_id="listDoseChanges",
    responses=errors(404),
)
async def list_dose_changes(regimen_id: uuid.UUID, uow: ReadUoW, paging: Paging) -> Any:
    """A regimen's dose changes by effective date."""
    return await listed(uow, DOSE_CHANGE, await dose_changes.page(uow, regimen_id, paging))


add_record_routes(router, DOSE_CHANGE)
