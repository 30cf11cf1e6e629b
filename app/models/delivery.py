import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
_PENDING_ONLY = text("status = 'pending'")


class Delivery(Base):
    """One event for one subscription: pending until delivered, or failed at its deadline.

    A worker claims a due row by setting `claimed_until` (its lease) and `claimed_by`; a
    lease that ran out (the worker died) makes the row claimable again. `window_started_at`
    is when the retry window opened (the event's creation, or a manual retry), and
    `attempts_before_window` how many attempts came before it (the backoff restarts there).
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        # The claim: due pending rows, earliest first.
        Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        # Order per (subscription, patient): "is an earlier one still pending?" reads only
        # the pending rows (partial index), not the whole delivery history.
        Index(
            "ix_delivery_pending_order",
            "subscription_id",
            "patient_id",
            "event_seq",
            postgresql_where=_PENDING_ONLY,
            sqlite_where=_PENDING_ONLY,
        ),
        # A subscription's delivery log, oldest first.
        Index("ix_delivery_subscription_id_created_at", "subscription_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_event.id"))
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscription.id"))
    patient_id: Mapped[uuid.UUID]
    event_seq: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    window_started_at: Mapped[datetime]
    attempts_before_window: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(240))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
