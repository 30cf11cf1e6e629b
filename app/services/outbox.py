"""The outbox: events written in the transaction of the change that caused them, and their
fan-out to the subscriptions that want them, at commit (the unit of work calls `flush`).

A change that commits always has its events; a rollback never does. Events carry ids,
types, versions and flag statuses, never clinical values.
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models import Patient
from app.models.base import new_id, utcnow
from app.models.delivery import PENDING
from app.repositories import base, subscriptions
from app.repositories import outbox as repo
from app.repositories.base import Rows
from app.repositories.scope import Scope
from app.security import ALL_ORGANIZATIONS
from app.webhooks import EventType


@dataclass(frozen=True, slots=True)
class PendingEvent:
    event_type: EventType
    patient_id: uuid.UUID
    data: dict[str, Any]


def organization_of(patient: Patient | None, settings: Settings) -> str:
    """The organization whose subscriptions may hear of this patient (with tenancy off,
    every patient is in the default one)."""
    return settings.default_organization if patient is None else patient.organization


def sees(organizations: Collection[str], organization: str, *, tenancy: bool) -> bool:
    """Whether a subscription of `organizations` is told about a patient of `organization`:
    with tenancy off every subscription sees every patient; on, only its organizations'
    (`*`: all of them). The one place this is decided."""
    return not tenancy or ALL_ORGANIZATIONS in organizations or organization in organizations


class Outbox:
    """The events of one unit of work, and the version snapshots of the records it wrote,
    kept in memory until its commit writes them together."""

    def __init__(self) -> None:
        self._pending: list[PendingEvent] = []
        self._versions: list[dict[str, Any]] = []

    @property
    def pending(self) -> tuple[PendingEvent, ...]:
        return tuple(self._pending)

    def record_written(
        self,
        resource_type: str,
        resource_id: uuid.UUID,
        version: int,
        patient_id: uuid.UUID,
        *,
        snapshot: dict[str, Any],
        actor: str,
    ) -> None:
        """The record's state after this version (its `record_version` row), and
        `record.created` for a record's first version, `record.changed` for the others
        (entering it in error included)."""
        kind = EventType.RECORD_CREATED if version == 1 else EventType.RECORD_CHANGED
        data = {"resource_type": resource_type, "resource_id": str(resource_id), "version": version}
        self._pending.append(PendingEvent(kind, patient_id, data))
        self._versions.append(
            {
                "id": new_id(),
                "resource_type": resource_type,
                "resource_id": resource_id,
                "patient_id": patient_id,
                "version": version,
                "data": snapshot,
                "actor": actor,
            }
        )

    def status_changed(
        self,
        patient_id: uuid.UUID,
        flag: str,
        before: str | None,
        after: str,
        effective_date: date,
    ) -> None:
        data = {"flag": flag, "from": before, "to": after, "effective_date": str(effective_date)}
        self._pending.append(PendingEvent(EventType.STATUS_CHANGED, patient_id, data))

    async def flush(
        self, session: AsyncSession, settings: Settings, locked: Mapping[uuid.UUID, Patient]
    ) -> list[Rows]:
        """The pending versions and events as rows to write (base.insert_all), and one
        delivery per event and subscription that wants it. The caller holds the write lock
        of every patient named (their events are numbered here); `locked`: those it loaded."""
        pending, self._pending = self._pending, []
        versions, self._versions = self._versions, []
        if not pending:
            return []
        now = utcnow()
        events = await _numbered(session, settings, pending, now, locked)
        deliveries = _fan_out(events, await subscriptions.active_targets(session), settings)
        stamped = [{**row, "recorded_at": now} for row in versions]
        return repo.rows(stamped, events, deliveries)


async def _numbered(
    session: AsyncSession,
    settings: Settings,
    pending: list[PendingEvent],
    now: datetime,
    locked: Mapping[uuid.UUID, Patient],
) -> list[dict[str, Any]]:
    """The events as rows, each patient's numbered on from its last event, in the order
    they were raised."""
    patient_ids = sorted({event.patient_id for event in pending})
    last = await repo.last_seqs(session, patient_ids)
    # Every caller's events are filed under their patients' own organizations: those the
    # unit of work locked it has loaded; others are loaded already (their flags were
    # stored), so the identity map answers.
    everyone = Scope.everything()
    organization = {
        patient_id: organization_of(
            locked.get(patient_id) or await base.get(session, everyone, Patient, patient_id),
            settings,
        )
        for patient_id in patient_ids
    }
    rows = []
    for event in pending:
        last[event.patient_id] = last.get(event.patient_id, 0) + 1
        rows.append(
            {
                "id": new_id(),
                "event_type": str(event.event_type),
                "occurred_at": now,
                "patient_id": event.patient_id,
                "seq": last[event.patient_id],
                "organization": organization[event.patient_id],
                "data": event.data,
            }
        )
    return rows


def _fan_out(
    events: list[dict[str, Any]], targets: list[subscriptions.Target], settings: Settings
) -> list[dict[str, Any]]:
    """Delivery rows, built here rather than by INSERT ... SELECT: the filter stays one
    Python function on both databases (JSON list membership is dialect-specific SQL), and
    the active subscriptions are one small indexed read per commit."""
    return [
        {
            "id": new_id(),
            "event_id": event["id"],
            "subscription_id": target.id,
            "patient_id": event["patient_id"],
            "event_seq": event["seq"],
            "status": PENDING,
            "attempts": 0,
            "attempts_before_window": 0,
            "next_attempt_at": event["occurred_at"],
            "window_started_at": event["occurred_at"],
            "created_at": event["occurred_at"],
        }
        for event in events
        for target in targets
        if event["event_type"] in target.events
        and sees(target.organizations, event["organization"], tenancy=settings.tenancy)
    ]


def flag_changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """The flags whose stored status the new evaluation changes (absent before: a change
    from null, as the status history counts a flag's first evaluation)."""
    return {flag: status for flag, status in after.items() if before.get(flag) != status}
