from typing import Annotated, Any

from fastapi import Query

from app.api.deps import Idempotent, Paging, ReadUoW, WriteUoW, api_router
from app.api.responses import answer_model, created, errors, listed, replayable
from app.api.routes.records import add_record_routes
from app.errors import Unprocessable
from app.schemas.common import Page, QueryText
from app.schemas.patient import PatientCreate, PatientRead, PatientUpdate
from app.schemas.status import FlagName, FlagStatus
from app.services import patients
from app.services.resources import PATIENT

router = api_router(prefix="/v1", tags=["patients"])


def cohort(flag: str | None, flag_status: str | None) -> tuple[str, str] | None:
    if (flag is None) != (flag_status is None):
        raise Unprocessable(
            "flag and flag_status go together",
            loc=("query", "flag" if flag is None else "flag_status"),
        )
    return None if flag is None or flag_status is None else (flag, flag_status)


@router.post(
    "/patients",
    status_code=201,
    dependencies=[Idempotent],
    response_model=answer_model(PATIENT),
    operation_id="createPatient",
    responses=errors(409),
)
@replayable
async def create_patient(body: PatientCreate, uow: WriteUoW) -> Any:
    """Register a patient; `mrn` is unique."""
    return await created(uow, PATIENT, await patients.create(uow, body))


@router.get(
    "/patients", response_model=Page[PatientRead], operation_id="listPatients", responses=errors()
)
async def list_patients(
    uow: ReadUoW,
    paging: Paging,
    mrn: Annotated[QueryText | None, Query(max_length=64)] = None,
    flag: Annotated[FlagName | None, Query(description="cohort: a stored flag ...")] = None,
    flag_status: Annotated[FlagStatus | None, Query(description="... with this status")] = None,
) -> Any:
    """Patients, oldest registration first; filter by `mrn`, or by a stored current flag
    (`?flag=remission&flag_status=met`: as of each patient's last write or the daily
    re-evaluation; such cohort pages are ordered by patient id)."""
    found = await patients.page(uow, paging, mrn=mrn, cohort=cohort(flag, flag_status))
    return await listed(uow, PATIENT, found)


add_record_routes(router, PATIENT, update=(PatientUpdate, patients.update))
