import uuid
from typing import Any

from fastapi import APIRouter

from app.api.deps import Idempotent, Paging, ReadUoW, WriteUoW
from app.api.responses import created, errors
from app.api.routes.records import RecordType, add_record_routes
from app.models import Assessment
from app.schemas.assessment import AssessmentCreate, AssessmentRead, AssessmentUpdate
from app.schemas.common import Page
from app.services import assessments

KIND = RecordType(
    collection="assessments", name="assessment", model=Assessment, read=AssessmentRead
)
router = APIRouter(prefix="/v1", tags=["assessments"])


@router.post(
    "/patients/{patient_id}/assessments",
    status_code=201,
    dependencies=[Idempotent],
    response_model=AssessmentRead,
    operation_id="createAssessment",
    responses=errors(404),
)
async def create_assessment(patient_id: uuid.UUID, body: AssessmentCreate, uow: WriteUoW) -> Any:
    """Record a clinical assessment (joint counts, globals, power Doppler, weight)."""
    row = await assessments.create(uow, patient_id, body)
    read = AssessmentRead.model_validate(row)
    return created(uow, read, f"/v1/assessments/{row.id}")


@router.get(
    "/patients/{patient_id}/assessments",
    response_model=Page[AssessmentRead],
    operation_id="listAssessments",
    responses=errors(404),
)
async def list_assessments(patient_id: uuid.UUID, uow: ReadUoW, paging: Paging) -> Any:
    """A patient's assessments, oldest first."""
    rows, cursor = await assessments.page(uow, patient_id, paging)
    return await KIND.page(uow, rows, cursor)


add_record_routes(router, KIND, update=(AssessmentUpdate, assessments.update))
