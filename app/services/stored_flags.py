"""The stored current flags (patient_flag): the rules' three flags of a patient as of a day,
written in the transaction that changed the patient's records, or by the daily job, with a
`status.changed` event for each flag whose stored status that changes."""

import uuid
from datetime import date, datetime

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
    """Store one patient's flags as of a date. The caller holds the patient's write lock, so
    the daily job and live writes never store flags from an older view of the records, and
    the stored statuses read before the upsert are the ones the events change from."""
    patient = await base.get(session, scope, Patient, patient_id)
    if patient is None:
        return
    loaded = await clinical_inputs.load(session, scope, patient, as_of, settings.rules)
    with RULES.labels("materialise").time():
        result = rules.evaluate_flags(loaded, as_of, settings.rules)
        remission = rules.remission_changes(loaded, as_of, settings.rules)
    after: dict[str, str] = {name: str(getattr(result, name).status) for name in FLAG_NAMES}
    history = [[c.effective_date.isoformat(), str(c.to_status)] for c in remission]
    rows = [
        {
            "patient_id": patient_id,
            "flag": name,
            "status": after[name],
            "since": result.remission.since if name == "remission" else None,
            "as_of": as_of,
            "rules_version": rules.RULES_VERSION,
            "evaluated_at": datetime.now(settings.zone),
            "history": history if name == "remission" else None,
        }
        for name in FLAG_NAMES
    ]
    before = await flags.statuses(session, patient_id)
    await flags.upsert(session, rows)
    changed = outbox_events.flag_changes(before, after)
    if changed:
        dates = _effective_dates(loaded, as_of, settings, changed)
        for flag, status in changed.items():
            outbox.status_changed(patient_id, flag, before.get(flag), status, dates[flag])


def _effective_dates(
    loaded: rules.PatientRecords, as_of: date, settings: Settings, changed: dict[str, str]
) -> dict[str, date]:
    """The day each changed flag took its new status: its last change in the status history
    (as `GET .../status/history` shows it); `as_of` if the history ends elsewhere."""
    with RULES.labels("history").time():
        history = rules.status_history(loaded, as_of, settings.rules)
    last = {change.flag: change for change in history}
    return {
        flag: last[flag].effective_date
        if flag in last and str(last[flag].to_status) == status
        else as_of
        for flag, status in changed.items()
    }
