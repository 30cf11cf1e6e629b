from datetime import date
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class Patient(Record):
    __tablename__ = "patient"

    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    sex: Mapped[str] = mapped_column(String(16))
    birth_date: Mapped[date]
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    diagnoses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
