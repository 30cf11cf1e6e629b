import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow


class Subscription(Base):
    """Where and what to tell about patients' changes (webhooks).

    `secret` and `previous_secret` are Standard Webhooks `whsec_` secrets, kept readable
    because the worker signs with them; the API shows a secret only once, when it is made.
    DELETE sets `deleted_at` (and `active` false): the delivery history stays.
    """

    __tablename__ = "subscription"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(nullable=False)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    organizations: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool]
    secret: Mapped[str] = mapped_column(String(128))
    previous_secret: Mapped[str | None] = mapped_column(String(128))
    rotated_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]

    # UPDATE ... WHERE version = :old: a PATCH never overwrites a change it did not see.
    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012
