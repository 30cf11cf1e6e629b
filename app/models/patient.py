from datetime import date
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class Patient(Record):
    __tablename__ = "patient"
    __table_args__ = (
        # An mrn is the clinic's number: two clinics of a group may each have a TO-0001.
        UniqueConstraint("organization", "mrn"),
        # A caller's patients, oldest registration first (the listing's order).
        Index("ix_patient_organization_created_at", "organization", "created_at"),
    )

    # Set at creation, changed only by an admin of both organizations; with tenancy off,
    # always TR_DEFAULT_ORGANIZATION.
    organization: Mapped[str] = mapped_column(String(64))
    mrn: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(16))
    birth_date: Mapped[date]
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    diagnoses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
