import uuid
from datetime import datetime

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
