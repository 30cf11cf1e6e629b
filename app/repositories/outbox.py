"""The outbox at commit: the last event numbers, and the rows it writes (version snapshots,
events and the deliveries they fan out to)."""

import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Delivery, OutboxEvent, Patient, RecordVersion
from app.repositories.base import Rows, of_patients, patient_values


# Built once (it runs on every write's commit), for one patient or many. Each patient's
# highest number is one lookup at the end of its (patient_id, seq) index, read backwards:
# a GROUP BY would read every event the patient ever had, at every write.
@functools.cache
def _last_seqs(many: bool) -> Select[uuid.UUID, int | None]:
    last = select(func.max(OutboxEvent.seq)).where(OutboxEvent.patient_id == Patient.id)
    return select(Patient.id, last.scalar_subquery()).where(of_patients(Patient.id, many))


async def last_seqs(
    session: AsyncSession, patient_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Each patient's highest event number so far (patients without events are absent);
    read under the patients' write locks, so the numbers that follow are theirs alone."""
    many, values = patient_values(patient_ids)
    found = await (await session.connection()).execute(_last_seqs(many), values)
    return {patient_id: int(seq) for patient_id, seq in found.all() if seq is not None}


def rows(
    versions: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
    deliveries: Sequence[dict[str, Any]],
) -> list[Rows]:
    """A commit's rows for base.insert_all (no ORM objects: they are written, never read
    back here): record versions, events (the `event_type` attribute is the `type` column)
    and deliveries."""
    typed = [{("type" if key == "event_type" else key): v for key, v in r.items()} for r in events]
    return [
        (RecordVersion.__table__, versions),
        (OutboxEvent.__table__, typed),
        (Delivery.__table__, deliveries),
    ]
