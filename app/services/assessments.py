import uuid
from collections.abc import Sequence

from app.errors import Unprocessable
from app.models import Assessment, Patient
from app.repositories import patient_records as repo
from app.schemas.assessment import AssessmentCreate, AssessmentRead, AssessmentUpdate
from app.schemas.common import PageRequest
from app.services import records
from app.services.uow import UnitOfWork


async def create(uow: UnitOfWork, patient_id: uuid.UUID, body: AssessmentCreate) -> Assessment:
    await records.parent(uow, Patient, patient_id, Assessment)
    row = Assessment(patient_id=patient_id, **body.model_dump())
    return await records.add(uow, row, AssessmentRead)


async def page(
    uow: UnitOfWork, patient_id: uuid.UUID, request: PageRequest
) -> tuple[Sequence[Assessment], str | None]:
    await records.parent(uow, Patient, patient_id, Assessment)
    return await repo.page_for_patient(uow.session, Assessment, patient_id, request)


async def update(
    uow: UnitOfWork, assessment_id: uuid.UUID, body: AssessmentUpdate, if_match: int | None
) -> Assessment:
    row = await records.load_for_update(uow, Assessment, assessment_id)
    changes = body.model_dump(include=body.model_fields_set)
    if "assessed_at" in changes and changes["assessed_at"] is None:
        raise Unprocessable("assessed_at cannot be removed", loc=("body", "assessed_at"))
    return await records.change(uow, row, changes, if_match, AssessmentRead)
