import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class OutboxEvent(Base):
    """Append-only: an event written in the transaction of the change that caused it.

    `id` is the Webhook-Id. `seq` numbers one patient's events in commit order (assigned
    under the patient's write lock), so deliveries keep that order without trusting clocks.
    `data` holds ids, types, versions and flag statuses only, never clinical values.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        UniqueConstraint("patient_id", "seq"),
        Index("ix_outbox_event_occurred_at", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column("type", String(32))
    occurred_at: Mapped[datetime]
    patient_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(BigInteger)
    organization: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
