import uuid
from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class LabResult(Record):
    """A result as sent (value, unit, range) plus its value in the test's canonical unit."""

    __tablename__ = "lab_result"
    __table_args__ = (
        UniqueConstraint("patient_id", "external_id"),
        Index("ix_lab_result_patient_id_collected_at", "patient_id", "collected_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    test: Mapped[str] = mapped_column(String(32))
    loinc: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Double)
    # A censored value ("<0.3"): the true value lies on this side of `value`.
    comparator: Mapped[str | None] = mapped_column(String(2))
    unit: Mapped[str | None] = mapped_column(String(16))
    value_text: Mapped[str | None] = mapped_column(String(16))
    reference_low: Mapped[float | None] = mapped_column(Double)
    reference_high: Mapped[float | None] = mapped_column(Double)
    canonical_value: Mapped[float | None] = mapped_column(Double)
    canonical_unit: Mapped[str | None] = mapped_column(String(16))
    collected_at: Mapped[datetime]
    external_id: Mapped[str | None] = mapped_column(String(128))
