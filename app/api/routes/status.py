import uuid
from typing import Annotated, Any

from fastapi import Query, Response

from app.api.deps import ReadUoW, api_router
from app.api.responses import errors
from app.rules import PatientStatus
from app.schemas.common import ClinicalDate
from app.schemas.status import FlagChangeRead, StatusHistoryRead, StatusRead
from app.services import status

router = api_router(prefix="/v1", tags=["status"])
AsOf = Annotated[
    ClinicalDate | None,
    Query(description="evaluate as of this date (default: today in the clinical time zone)"),
]


@router.get(
    "/patients/{patient_id}/status",
    response_model=StatusRead,
    operation_id="getPatientStatus",
    responses=errors(404),
)
async def get_status(patient_id: uuid.UUID, uow: ReadUoW, as_of: AsOf = None) -> Any:
    """Refractory, steroid dependence, remission, disease activity and safety alerts as of
    a date, each with the criteria and the records behind them."""

    def render(result: PatientStatus) -> str:
        return StatusRead.model_validate(
            {**vars(result), "patient_id": patient_id}
        ).model_dump_json()

    return Response(
        await status.document(uow, patient_id, as_of, render), media_type="application/json"
    )


@router.get(
    "/patients/{patient_id}/status/history",
    response_model=StatusHistoryRead,
    operation_id="getPatientStatusHistory",
    responses=errors(404),
)
async def get_status_history(patient_id: uuid.UUID, uow: ReadUoW, as_of: AsOf = None) -> Any:
    """Every change of every flag up to `as_of`, oldest first (`from` is null the first
    time a flag is evaluated)."""
    day, changes = await status.history(uow, patient_id, as_of)
    items = [
        FlagChangeRead(
            flag=c.flag,
            from_status=c.from_status,
            to_status=c.to_status,
            effective_date=c.effective_date,
        )
        for c in changes
    ]
    return StatusHistoryRead(
        patient_id=patient_id, as_of=day, rules_version=status.RULES_VERSION, items=items
    )
