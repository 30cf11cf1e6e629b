"""The stored current flags (patient_flag): the rules' three flags of a patient as of a day,
written in the transaction that changed the patient's records, or by the daily job."""

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


async def store(
    session: AsyncSession, scope: Scope, patient_id: uuid.UUID, as_of: date, settings: Settings
) -> None:
    """Store one patient's flags as of a date. The caller holds the patient's write lock, so
    the daily job and live writes never store flags from an older view of the records."""
    patient = await base.get(session, scope, Patient, patient_id)
    if patient is None:
        return
    loaded = await clinical_inputs.load(session, scope, patient, as_of, settings.rules)
    with RULES.labels("materialise").time():
        result = rules.evaluate_flags(loaded, as_of, settings.rules)
    rows = [
        {
            "patient_id": patient_id,
            "flag": name,
            "status": str(getattr(result, name).status),
            "since": result.remission.since if name == "remission" else None,
            "as_of": as_of,
            "rules_version": rules.RULES_VERSION,
            "evaluated_at": datetime.now(settings.zone),
        }
        for name in FLAG_NAMES
    ]
    await flags.upsert(session, rows)
