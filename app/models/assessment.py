import uuid
from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record, live_external_id_index


class Assessment(Record):
    __tablename__ = "assessment"
    __table_args__ = (
        Index("ix_assessment_patient_id_assessed_at", "patient_id", "assessed_at"),
        live_external_id_index("assessment"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    assessed_at: Mapped[datetime]
    tender_joints_28: Mapped[int | None]
    swollen_joints_28: Mapped[int | None]
    power_doppler: Mapped[str | None] = mapped_column(String(16))
    patient_global: Mapped[float | None] = mapped_column(Double)
    evaluator_global: Mapped[float | None] = mapped_column(Double)
    weight_kg: Mapped[float | None] = mapped_column(Double)
    height_cm: Mapped[float | None] = mapped_column(Double)
    external_id: Mapped[str | None] = mapped_column(String(128))
