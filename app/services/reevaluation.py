"""The daily re-evaluation: flags that change only because time passes (a 90-day window
expiring, a 180-day run completing) are refreshed for every patient, batch by batch."""

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import WRITE
from app.repositories import flags
from app.services import idempotency, status
from app.services.unit import Unit

SYSTEM_ACTOR = "system:reevaluate"


async def reevaluate_all(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    as_of: date,
    batch_size: int,
    progress: Callable[[int], None],
) -> int:
    """Each batch commits on its own, so a long run holds no long transaction."""
    done, after = 0, None
    while True:
        async with sessions() as session, session.begin():
            await session.connection(execution_options=WRITE)  # SQLite: BEGIN IMMEDIATE
            ids = await flags.patient_ids_after(session, after, batch_size)
            unit = Unit(session=session, actor=SYSTEM_ACTOR, settings=settings)
            for patient_id in ids:
                await status.refresh(unit, patient_id, as_of)
        if not ids:
            return done
        done += len(ids)
        after = ids[-1]
        progress(len(ids))


async def purge_idempotency_keys(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    """Forget Idempotency-Keys past their retention (part of the daily job)."""
    async with sessions() as session, session.begin():
        unit = Unit(session=session, actor=SYSTEM_ACTOR, settings=settings)
        return await idempotency.purge(unit, datetime.now(UTC))


async def count_patients(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await flags.count_live_patients(session)
