import uuid
from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class Infusion(Record):
    __tablename__ = "infusion"
    __table_args__ = (
        # The sender's administration id is a natural key: the database refuses duplicates.
        UniqueConstraint("patient_id", "external_id"),
        Index("ix_infusion_patient_id_administered_at", "patient_id", "administered_at"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    regimen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("regimen.id"), index=True)
    administered_at: Mapped[datetime]
    dose_mg: Mapped[float] = mapped_column(Double)
    weight_kg: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(128))
