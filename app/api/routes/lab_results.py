import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import Idempotent, LabWriteUnit, Paging, ReadUnit
from app.api.responses import created, errors
from app.api.routes.records import RecordType, add_record_routes
from app.models import LabResult
from app.schemas.common import Page, QueryText, QueryTimestamp
from app.schemas.lab_result import LabResultCreate, LabResultRead
from app.services import lab_results

KIND = RecordType(collection="lab-results", name="lab_result", model=LabResult, read=LabResultRead)
router = APIRouter(prefix="/v1", tags=["lab results"])


@router.post(
    "/patients/{patient_id}/lab-results",
    status_code=201,
    dependencies=[Idempotent],
    response_model=LabResultRead,
    operation_id="createLabResult",
    responses=errors(404, 409),
)
async def create_lab_result(
    patient_id: uuid.UUID, body: LabResultCreate, unit: LabWriteUnit
) -> Any:
    """Record a lab result; the unit is converted to the test's canonical unit."""
    row = await lab_results.create(unit, patient_id, body)
    read = LabResultRead.model_validate(row)
    return created(unit, read, f"/v1/lab-results/{row.id}")


@router.get(
    "/patients/{patient_id}/lab-results",
    response_model=Page[LabResultRead],
    operation_id="listLabResults",
    responses=errors(404),
)
async def list_lab_results(
    patient_id: uuid.UUID,
    unit: ReadUnit,
    paging: Paging,
    test: Annotated[QueryText | None, Query(max_length=32, description="catalogue key")] = None,
    start: Annotated[QueryTimestamp | None, Query(alias="from")] = None,
    end: Annotated[QueryTimestamp | None, Query(alias="to")] = None,
) -> Any:
    """A patient's lab results by collection time; filter by test and time range."""
    rows, cursor = await lab_results.page(unit, patient_id, paging, test, start, end)
    return await KIND.page(unit, rows, cursor)


add_record_routes(router, KIND)
