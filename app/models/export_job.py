import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow

ACCEPTED, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "accepted",
    "running",
    "completed",
    "failed",
    "cancelled",
)


class ExportJob(Base):
    """A FHIR Bulk Data export: asked for by `actor` (with the organizations it saw then),
    run by a worker that claims it (`claimed_until`: its lease), its files in export_chunk."""

    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_status_created_at", "status", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    actor: Mapped[str] = mapped_column(String(200))
    # None: every organization (tenancy off, or a group-wide caller); else these codes.
    organizations: Mapped[list[str] | None] = mapped_column(JSON)
    request: Mapped[str] = mapped_column(String(2000))  # the kick-off URL
    request_id: Mapped[str] = mapped_column(String(64))
    types: Mapped[list[str]] = mapped_column(JSON)
    since: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=ACCEPTED)
    progress: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    transaction_time: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[datetime | None]


class ExportChunk(Base):
    """A piece of one NDJSON file of a job: `count` resources of one type, `seq` in order."""

    __tablename__ = "export_chunk"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True
    )
    resource_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
