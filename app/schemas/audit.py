import uuid
from datetime import datetime

from pydantic import Field

from app.schemas.common import ReadModel


class AuditEventRead(ReadModel):
    id: uuid.UUID
    occurred_at: datetime
    actor: str
    method: str
    path: str
    resource_type: str | None
    resource_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    status: int
    request_id: str
    client: str | None
    query: str | None = Field(description="the query string as sent (a search: what was asked)")
    patient_ids: list[uuid.UUID] | None = Field(
        description="a list or search read: the patients whose records it returned"
    )
    organization: str | None = Field(
        description="the organization of the patient(s) the event names; null: none or several"
    )
