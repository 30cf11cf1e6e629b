from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.api.deps import Paging, ReadUnit, WriteUnit
from app.api.responses import created, errors, page_of
from app.api.routes.records import add_record_routes
from app.models import Patient
from app.schemas.common import Page
from app.schemas.patient import PatientCreate, PatientRead, PatientUpdate
from app.services import patients

router = APIRouter(prefix="/v1", tags=["patients"])


@router.post(
    "/patients",
    status_code=201,
    response_model=PatientRead,
    operation_id="createPatient",
    responses=errors(409),
)
async def create_patient(body: PatientCreate, unit: WriteUnit, response: Response) -> Any:
    """Register a patient; `mrn` is unique."""
    row = await patients.create(unit, body)
    return created(response, unit, PatientRead.model_validate(row), f"/v1/patients/{row.id}")


@router.get(
    "/patients", response_model=Page[PatientRead], operation_id="listPatients", responses=errors()
)
async def list_patients(
    unit: ReadUnit,
    paging: Paging,
    mrn: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    """Patients, oldest registration first; filter by `mrn`."""
    rows, cursor = await patients.page(unit, paging, mrn)
    return page_of(PatientRead, rows, cursor)


add_record_routes(
    router,
    collection="patients",
    name="patient",
    model=Patient,
    read=PatientRead,
    update=(PatientUpdate, patients.update),
)
