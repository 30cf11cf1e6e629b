import uuid
from typing import Annotated, Any

from fastapi import Query

from app.api.deps import AuditUoW, CursorPage, api_router
from app.api.responses import errors, page
from app.schemas.audit import AuditEventRead
from app.schemas.common import Page, QueryText, QueryTimestamp
from app.services import audit

router = api_router(prefix="/v1", tags=["audit"])


@router.get(
    "/audit-events",
    response_model=Page[AuditEventRead],
    operation_id="listAuditEvents",
    responses=errors(),
)
async def list_audit_events(
    uow: AuditUoW,
    paging: CursorPage,
    patient_id: uuid.UUID | None = None,
    actor: Annotated[QueryText | None, Query(max_length=200)] = None,
    start: Annotated[QueryTimestamp | None, Query(alias="from")] = None,
    end: Annotated[QueryTimestamp | None, Query(alias="to")] = None,
) -> Any:
    """Who read or wrote which patient's data, oldest first (append-only; scope audit:read)."""
    rows, cursor = await audit.page(
        uow,
        patient_id=patient_id,
        actor=actor,
        start=start,
        end=end,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page(AuditEventRead, [AuditEventRead.model_validate(r) for r in rows], cursor)
