import uuid
from typing import Annotated, Any

from fastapi import Query

from app.api.deps import Idempotent, LabWriteUoW, Paging, ReadUoW, api_router
from app.api.responses import answer_model, created, errors, listed, replayable, resent
from app.api.routes.records import add_record_routes
from app.schemas.common import Page, QueryText, QueryTimestamp
from app.schemas.lab_result import LabResultCreate, LabResultRead
from app.services import lab_results
from app.services.resources import LAB_RESULT

router = api_router(prefix="/v1", tags=["lab results"])


@router.post(
    "/patients/{patient_id}/lab-results",
    status_code=201,
    dependencies=[Idempotent],
    response_model=answer_model(LAB_RESULT),
    operation_id="createLabResult",
    responses={**errors(404, 409), **resent(LAB_RESULT)},
)
@replayable
async def create_lab_result(patient_id: uuid.UUID, body: LabResultCreate, uow: LabWriteUoW) -> Any:
    """Record a lab result; the unit is converted to the test's canonical unit."""
    return await created(uow, LAB_RESULT, await lab_results.create(uow, patient_id, body))


@router.get(
    "/patients/{patient_id}/lab-results",
    response_model=Page[LabResultRead],
    operation_id="listLabResults",
    responses=errors(404),
)
async def list_lab_results(
    patient_id: uuid.UUID,
    uow: ReadUoW,
    paging: Paging,
    test: Annotated[QueryText | None, Query(max_length=32, description="catalogue key")] = None,
    start: Annotated[QueryTimestamp | None, Query(alias="from")] = None,
    end: Annotated[QueryTimestamp | None, Query(alias="to")] = None,
) -> Any:
    """A patient's lab results by collection time; filter by test and time range."""
    found = await lab_results.page(uow, patient_id, paging, test=test, start=start, end=end)
    return await listed(uow, LAB_RESULT, found)


add_record_routes(router, LAB_RESULT)
