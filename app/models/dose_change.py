import uuid
from datetime import date

from sqlalchemy import Double, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record

# Partial on both databases: a change entered in error does not block its re-entry.
LIVE_ONLY = text("NOT entered_in_error")


class DoseChange(Record):
    """A dated change of a regimen's dose (an escalation, a taper step): in force from
    `effective_date` until the next one. `interval_days` null keeps the interval in force."""

    __tablename__ = "dose_change"
    __table_args__ = (
        Index(
            "uq_dose_change_regimen_id_effective_date",
            "regimen_id",
            "effective_date",
            unique=True,
            postgresql_where=LIVE_ONLY,
            sqlite_where=LIVE_ONLY,
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    regimen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("regimen.id"), index=True)
    effective_date: Mapped[date]
    dose_value: Mapped[float] = mapped_column(Double)
    dose_unit: Mapped[str] = mapped_column(String(16))
    interval_days: Mapped[int | None]
