"""The stored current flags (patient_flag): the rules' three flags of a patient as of a day,
written in the transaction that changed the patient's records, or by the daily job, with a
`status.changed` event for each flag whose stored status that changes."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import rules
from app.config import Settings
from app.metrics import RULES
from app.models import Patient
from app.repositories import flags
from app.repositories.scope import Scope
from app.schemas.status import FLAG_NAMES
from app.services import clinical_inputs
from app.services import outbox as outbox_events
from app.services.outbox import Outbox

# No patient resumed: each one's flags evaluated from all its records.
FROM_SCRATCH: Mapping[uuid.UUID, datetime | None] = MappingProxyType({})


async def store(
    session: AsyncSession,
    scope: Scope,
    patient: Patient,
    as_of: date,
    settings: Settings,
    outbox: Outbox,
) -> None:
    """Store one patient's flags as of a date (`store_many` of one)."""
    await store_many(session, scope, [patient], as_of, settings, outbox)


async def store_many(
    session: AsyncSession,
    scope: Scope,
    patients: Sequence[Patient],
    as_of: date,
    settings: Settings,
    outbox: Outbox,
    moved_from: Mapping[uuid.UUID, datetime | None] = FROM_SCRATCH,
) -> None:
    """Store the flags of these patients as of a date: their records read with one query per
    table, all their rows written by one upsert that answers the statuses it replaced; events
    in patient id order. The caller holds the patients' write locks, so the daily job and live
    writes never store flags from an older view of the records, and the stored statuses read
    before the upsert are the ones the events change from.

    `moved_from`: a patient whose only changes since its flags were stored (as of the same
    day, under the same rules digest) are labs or visits from an instant on has only its
    remission re-evaluated, resumed from that date (`rules.resumed_changes`), reading only
    the records a sweep from there reads. Any other patient is evaluated from all its records.

    `patients`: as the caller loaded them when it locked them (under `scope`): not read
    again."""
    found = sorted(patients, key=lambda p: p.id)
    if not found:
        return
    cuts = await _resumable(session, found, moved_from, as_of, settings.rules)
    after = await _evaluate(session, scope, [p for p in found if p.id not in cuts], as_of, settings)
    after |= await _resume(
        session, scope, [p for p in found if p.id in cuts], cuts, as_of, settings
    )
    rows = [row for p in found for row in _rows(p.id, after[p.id], as_of, settings)]
    before = await flags.upsert(session, rows)
    for patient in found:
        was = before.get(patient.id, {})
        evaluation = after[patient.id]
        changed = outbox_events.flag_changes(was, evaluation.statuses)
        if changed:
            dates = _effective_dates(evaluation, as_of, settings, changed)
            for flag, status in changed.items():
                outbox.status_changed(patient.id, flag, was.get(flag), status, dates[flag])


@dataclass(frozen=True)
class _Evaluation:
    """A patient's new statuses (of the flags evaluated), remission's since and changes, and
    the records (None: only remission was evaluated, from a date on)."""

    statuses: dict[str, str]
    since: date | None
    remission_changes: Sequence[rules.FlagChange]
    records: rules.PatientRecords | None


async def _resumable(
    session: AsyncSession,
    found: Sequence[Patient],
    moved_from: Mapping[uuid.UUID, datetime | None],
    as_of: date,
    settings: rules.RuleSettings,
) -> dict[uuid.UUID, tuple[date, flags.StoredFlag]]:
    """The patients whose remission can be resumed: its date to resume from (the clinical
    date of `moved_from`, `as_of` at the latest), and the stored remission row."""
    candidates = {p.id: moment for p in found if (moment := moved_from.get(p.id)) is not None}
    if not candidates:
        return {}
    resumable = {}
    for patient_id, stored in (await flags.stored(session, candidates)).items():
        current = all(
            name in stored
            and stored[name].as_of == as_of
            and stored[name].rules_digest == settings.digest
            for name in FLAG_NAMES
        )
        if current and stored["remission"].history is not None:
            moved = rules.clinical_date(candidates[patient_id], settings.clinical_timezone)
            resumable[patient_id] = (min(moved, as_of), stored["remission"])
    return resumable


async def _evaluate(
    session: AsyncSession,
    scope: Scope,
    patients: Sequence[Patient],
    as_of: date,
    settings: Settings,
) -> dict[uuid.UUID, _Evaluation]:
    """Every flag of each patient, from all its records."""
    if not patients:
        return {}
    loaded = await clinical_inputs.load_many(
        await session.connection(), scope, patients, as_of, settings.rules
    )
    evaluations = {}
    for patient in patients:
        records = loaded[patient.id]
        with RULES.labels("materialise").time():
            result = rules.evaluate_flags(records, as_of, settings.rules)
        statuses: dict[str, str] = {name: str(getattr(result, name).status) for name in FLAG_NAMES}
        since, changes = result.remission.since, result.remission_changes
        evaluations[patient.id] = _Evaluation(statuses, since, changes, records)
    return evaluations


async def _resume(
    session: AsyncSession,
    scope: Scope,
    patients: Sequence[Patient],
    cuts: Mapping[uuid.UUID, tuple[date, flags.StoredFlag]],
    as_of: date,
    settings: Settings,
) -> dict[uuid.UUID, _Evaluation]:
    """Remission alone of each patient, resumed from its stored history at its date."""
    if not patients:
        return {}
    first_day = rules.resume_from(min(cut for cut, _ in cuts.values()), settings.rules)
    recent = await clinical_inputs.load_remission(
        await session.connection(), scope, patients, first_day, as_of, settings.rules
    )
    evaluations = {}
    for patient in patients:
        cut, stored = cuts[patient.id]
        with RULES.labels("materialise").time():
            changes = rules.resumed_changes(
                history_changes(stored.history), recent[patient.id], cut, as_of, settings.rules
            )
        statuses = {"remission": str(changes[-1].to_status)}
        evaluations[patient.id] = _Evaluation(statuses, rules.since_of(changes), changes, None)
    return evaluations


def history_changes(stored: Sequence[Sequence[str]] | None) -> list[rules.FlagChange]:
    """A stored remission history ([[effective_date, status], ...], as `_rows` writes it) as
    its changes."""
    changes: list[rules.FlagChange] = []
    previous = None
    for day, name in stored or ():
        status = rules.Status(name)
        changes.append(rules.FlagChange("remission", previous, status, date.fromisoformat(day)))
        previous = status
    return changes


def _rows(
    patient_id: uuid.UUID, evaluation: _Evaluation, as_of: date, settings: Settings
) -> list[dict[str, Any]]:
    """The patient_flag rows of the flags evaluated."""
    history = [
        [c.effective_date.isoformat(), str(c.to_status)] for c in evaluation.remission_changes
    ]
    evaluated_at = datetime.now(settings.zone)
    return [
        {
            "patient_id": patient_id,
            "flag": name,
            "status": status,
            "since": evaluation.since if name == "remission" else None,
            "as_of": as_of,
            "rules_version": rules.RULES_VERSION,
            "rules_digest": settings.rules.digest,
            "evaluated_at": evaluated_at,
            "history": history if name == "remission" else None,
        }
        for name, status in evaluation.statuses.items()
    ]


def _effective_dates(
    evaluation: _Evaluation, as_of: date, settings: Settings, changed: dict[str, str]
) -> dict[str, date]:
    """The day each changed flag took its new status: its last change in the status history
    (as `GET .../status/history` shows it); `as_of` if the history ends elsewhere. Remission's
    changes come with the evaluation; only another changed flag's own timeline is swept."""
    dates = {}
    for flag, status in changed.items():
        if flag == "remission":
            changes = list(evaluation.remission_changes)
        else:
            assert evaluation.records is not None  # only a full evaluation changes it
            with RULES.labels("history").time():
                changes = rules.flag_changes(flag, evaluation.records, as_of, settings.rules)
        last = changes[-1] if changes else None
        dates[flag] = (
            last.effective_date if last is not None and str(last.to_status) == status else as_of
        )
    return dates
