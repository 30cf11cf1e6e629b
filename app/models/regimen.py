import uuid
from datetime import date

from sqlalchemy import Double, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record, live_external_id_index


class Regimen(Record):
    __tablename__ = "regimen"
    __table_args__ = (live_external_id_index("regimen"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    drug: Mapped[str] = mapped_column(String(64))
    dose_value: Mapped[float] = mapped_column(Double)
    dose_unit: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(16))
    interval_days: Mapped[int | None]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    discontinuation_reason: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(128))
