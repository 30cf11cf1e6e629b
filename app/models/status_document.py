import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class StatusDocument(Base):
    """A patient's status as of a day, as `GET .../status` answered it (its JSON), kept for
    the next caller until the patient's records change.

    Derived data, valid while `generation` is the patient's stored remission row's (every
    write of the patient's records stores that row again) and `as_of` is the day asked for,
    under the same `rules_digest`. Anything else is evaluated again.
    """

    __tablename__ = "status_document"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date]
    rules_digest: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
