import uuid

from app.errors import Unprocessable
from app.models import Assessment
from app.schemas.assessment import AssessmentCreate, AssessmentUpdate
from app.services import records
from app.services.records import Saved
from app.services.resources import ASSESSMENT, PATIENT
from app.services.uow import UnitOfWork


async def create(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    body: AssessmentCreate,
    *,
    record_id: uuid.UUID | None = None,
) -> Saved[Assessment]:
    await records.target(uow, PATIENT, patient_id, live=True, lock=True)
    uow.audit.about(ASSESSMENT.name)
    fields = body.model_dump()
    return await records.create_natural(
        uow, Assessment(id=record_id, patient_id=patient_id, **fields), fields
    )


async def update(
    uow: UnitOfWork, assessment_id: uuid.UUID, body: AssessmentUpdate, *, if_match: int | None
) -> Assessment:
    row = await records.target(uow, ASSESSMENT, assessment_id, live=True, lock=True)
    changes = body.model_dump(include=body.model_fields_set)
    if "assessed_at" in changes and changes["assessed_at"] is None:
        raise Unprocessable("assessed_at cannot be removed", loc=("body", "assessed_at"))
    return await records.change(uow, row, changes, if_match=if_match)
