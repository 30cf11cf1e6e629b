"""The stored current flags (patient_flag): the rules' three flags of a patient as of a day,
written in the transaction that changed the patient's records, or by the daily job, with a
`status.changed` event for each flag whose stored status that changes."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import rules
from app.config import Settings
from app.metrics import RULES
from app.models import Patient
from app.repositories import base, flags
from app.repositories.scope import Scope
from app.schemas.status import FLAG_NAMES
from app.services import clinical_inputs
from app.services import outbox as outbox_events
from app.services.outbox import Outbox


async def store(
    session: AsyncSession,
    scope: Scope,
    patient_id: uuid.UUID,
    as_of: date,
    settings: Settings,
    outbox: Outbox,
) -> None:
    """Store one patient's flags as of a date (`store_many` of one)."""
    await store_many(session, scope, [patient_id], as_of, settings, outbox)


async def store_many(
    session: AsyncSession,
    scope: Scope,
    patient_ids: Sequence[uuid.UUID],
    as_of: date,
    settings: Settings,
    outbox: Outbox,
) -> None:
    """Store the flags of these patients as of a date: their records read with one query per
    table, all their rows written by one upsert that answers the statuses it replaced; events
    in patient id order. The caller holds the patients' write locks, so the daily job and live
    writes never store flags from an older view of the records, and the stored statuses read
    before the upsert are the ones the events change from."""
    found = await _patients(session, scope, patient_ids)
    if not found:
        return
    loaded = await clinical_inputs.load_many(session, scope, found, as_of, settings.rules)
    rows: list[dict[str, Any]] = []
    after = {p.id: _evaluated(p.id, loaded[p.id], as_of, settings, rows) for p in found}
    before = await flags.upsert(session, rows)
    for patient in found:
        was = before.get(patient.id, {})
        result, statuses = after[patient.id]
        changed = outbox_events.flag_changes(was, statuses)
        if changed:
            dates = _effective_dates(loaded[patient.id], result, as_of, settings, changed)
            for flag, status in changed.items():
                outbox.status_changed(patient.id, flag, was.get(flag), status, dates[flag])


async def _patients(
    session: AsyncSession, scope: Scope, patient_ids: Sequence[uuid.UUID]
) -> list[Patient]:
    """The patients `scope` sees, in id order (one found by id needs no query when the session
    holds it already)."""
    if len(patient_ids) == 1:
        one = await base.get(session, scope, Patient, patient_ids[0])
        return [] if one is None else [one]
    return sorted(await base.get_many(session, scope, Patient, patient_ids), key=lambda p: p.id)


def _statuses(result: rules.Flags) -> dict[str, str]:
    return {name: str(getattr(result, name).status) for name in FLAG_NAMES}


def _evaluated(
    patient_id: uuid.UUID,
    loaded: rules.PatientRecords,
    as_of: date,
    settings: Settings,
    rows: list[dict[str, Any]],
) -> tuple[rules.Flags, dict[str, str]]:
    """Run the rules on one patient's records: the flags and their statuses, its
    patient_flag rows appended to `rows`."""
    with RULES.labels("materialise").time():
        result = rules.evaluate_flags(loaded, as_of, settings.rules)
    after = _statuses(result)
    history = [[c.effective_date.isoformat(), str(c.to_status)] for c in result.remission_changes]
    evaluated_at = datetime.now(settings.zone)
    rows.extend(
        {
            "patient_id": patient_id,
            "flag": name,
            "status": after[name],
            "since": result.remission.since if name == "remission" else None,
            "as_of": as_of,
            "rules_version": rules.RULES_VERSION,
            "evaluated_at": evaluated_at,
            "history": history if name == "remission" else None,
        }
        for name in FLAG_NAMES
    )
    return result, after


def _effective_dates(
    loaded: rules.PatientRecords,
    result: rules.Flags,
    as_of: date,
    settings: Settings,
    changed: dict[str, str],
) -> dict[str, date]:
    """The day each changed flag took its new status: its last change in the status history
    (as `GET .../status/history` shows it); `as_of` if the history ends elsewhere. Remission's
    changes come with the flags; only another changed flag's own timeline is swept."""
    dates = {}
    for flag, status in changed.items():
        if flag == "remission":
            changes = list(result.remission_changes)
        else:
            with RULES.labels("history").time():
                changes = rules.flag_changes(flag, loaded, as_of, settings.rules)
        last = changes[-1] if changes else None
        dates[flag] = (
            last.effective_date if last is not None and str(last.to_status) == status else as_of
        )
    return dates
