import uuid
from typing import Any

from app.api.deps import Idempotent, WriteUoW, api_router
from app.api.responses import answer_model, created, errors, replayable
from app.api.routes.records import add_record_routes
from app.schemas.assessment import AssessmentCreate, AssessmentUpdate
from app.services import assessments
from app.services.resources import ASSESSMENT

router = api_router(prefix="/v1", tags=["assessments"])


@router.post(
    "/patients/{patient_id}/assessments",
    status_code=201,
    dependencies=[Idempotent],
    response_model=answer_model(ASSESSMENT),
    operation_id="createAssessment",
    responses=errors(404),
)
@replayable
async def create_assessment(patient_id: uuid.UUID, body: AssessmentCreate, uow: WriteUoW) -> Any:
    """Record a clinical assessment (joint counts, globals, power Doppler, weight)."""
    return await created(uow, ASSESSMENT, await assessments.create(uow, patient_id, body))


add_record_routes(
    router,
    ASSESSMENT,
    listing="A patient's assessments, oldest first.",
    update=(AssessmentUpdate, assessments.update),
)
