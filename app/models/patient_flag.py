import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class PatientFlag(Base):
    """A patient's current flags (as of its last write or the daily re-evaluation).

    Derived data: the cohort filter reads it through the (flag, status) index instead of
    running the rules for every patient.
    """

    __tablename__ = "patient_flag"
    __table_args__ = (Index("ix_patient_flag_flag_status", "flag", "status", "patient_id"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    flag: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    since: Mapped[date | None]
    as_of: Mapped[date]
    rules_version: Mapped[str] = mapped_column(String(32))
    # RuleSettings.digest: the version and settings evaluated under (null: stored before it).
    rules_digest: Mapped[str | None] = mapped_column(String(32))
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Remission only: every change of its status up to `as_of`, [[effective_date, status]].
    history: Mapped[list[Any] | None] = mapped_column(JSON)
    # Counts the stores of this row: every write of the patient's records stores remission,
    # so its remission row's generation names the state of the records (status documents).
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
