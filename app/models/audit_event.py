import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow


class AuditEvent(Base):
    """Append-only: who touched which patient's data, when, and with what outcome."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_patient_id_occurred_at", "patient_id", "occurred_at"),
        Index("ix_audit_event_actor_occurred_at", "actor", "occurred_at"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
        Index("ix_audit_event_organization_occurred_at", "organization", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    resource_type: Mapped[str | None] = mapped_column(String(32))
    resource_id: Mapped[uuid.UUID | None]
    patient_id: Mapped[uuid.UUID | None]
    status: Mapped[int]
    request_id: Mapped[str] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))
    # A list, search or cohort read: its query string and the patients it returned.
    query: Mapped[str | None] = mapped_column(String(2000))
    patient_ids: Mapped[list[str] | None] = mapped_column(JSON)
    # The organization of the patient(s) the event names; null: none, or several (then only
    # a group-wide auditor sees it).
    organization: Mapped[str | None] = mapped_column(String(64))
