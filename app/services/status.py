"""Patient status: the rules run over the records, on demand and materialised per write."""

import uuid
from datetime import date, datetime

from app import rules
from app.metrics import RULES
from app.models import Patient
from app.repositories import flags
from app.repositories.base import get_by_id
from app.schemas.status import FLAG_NAMES
from app.services import clinical_inputs, records
from app.services.unit import Unit


def today(unit: Unit) -> date:
    return datetime.now(unit.settings.zone).date()


RULES_VERSION = rules.RULES_VERSION


async def evaluate(unit: Unit, patient_id: uuid.UUID, as_of: date | None) -> rules.PatientStatus:
    day, loaded = await _records(unit, patient_id, as_of)
    with RULES.labels("status").time():
        return rules.evaluate(loaded, day, unit.settings.rules)


async def history(
    unit: Unit, patient_id: uuid.UUID, as_of: date | None
) -> tuple[date, list[rules.FlagChange]]:
    day, loaded = await _records(unit, patient_id, as_of)
    with RULES.labels("history").time():
        return day, rules.status_history(loaded, day, unit.settings.rules)


async def _records(
    unit: Unit, patient_id: uuid.UUID, as_of: date | None
) -> tuple[date, rules.PatientRecords]:
    patient = await records.load(unit, Patient, patient_id)
    unit.touch("patient_status", patient_id, patient_id)
    day = as_of or today(unit)
    return day, await clinical_inputs.load(unit.session, patient, day, unit.settings.rules)


async def materialise(unit: Unit) -> None:
    """Store today's flags of every patient this request wrote to (same transaction)."""
    await unit.session.flush()  # the batched inserts first: the rules must see them
    for patient_id in sorted(unit.changed_patients):
        await refresh(unit, patient_id, today(unit))
    unit.changed_patients.clear()


async def refresh(unit: Unit, patient_id: uuid.UUID, as_of: date) -> None:
    """Store one patient's flags as of a date, holding the patient's write lock (so the
    daily job and live writes never store flags from an older view of the records)."""
    await records.lock_patient(unit, patient_id)
    patient = await get_by_id(unit.session, Patient, patient_id)
    if patient is None:
        return
    loaded = await clinical_inputs.load(unit.session, patient, as_of, unit.settings.rules)
    with RULES.labels("materialise").time():
        result = rules.evaluate_flags(loaded, as_of, unit.settings.rules)
    rows = [
        {
            "patient_id": patient_id,
            "flag": name,
            "status": str(getattr(result, name).status),
            "since": result.remission.since if name == "remission" else None,
            "as_of": as_of,
            "rules_version": RULES_VERSION,
            "evaluated_at": datetime.now(unit.settings.zone),
        }
        for name in FLAG_NAMES
    ]
    await flags.upsert(unit.session, rows)
