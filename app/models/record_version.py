import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow


class RecordVersion(Base):
    """Append-only: the state of a record after each of its versions."""

    __tablename__ = "record_version"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id", "version"),
        Index("ix_record_version_patient_id", "patient_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[uuid.UUID]
    patient_id: Mapped[uuid.UUID]
    version: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
