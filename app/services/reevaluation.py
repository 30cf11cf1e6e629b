"""The daily re-evaluation: flags that change only because time passes (a 90-day window
expiring, a 180-day run completing) are refreshed for every patient, batch by batch."""

from collections.abc import Callable
from datetime import UTC, date, datetime

from app.config import Settings
from app.db import Database
from app.repositories import flags
from app.services import idempotency
from app.services.uow import UnitOfWork, system_caller

JOB = system_caller("reevaluate")


async def reevaluate_all(
    database: Database,
    settings: Settings,
    *,
    as_of: date,
    batch_size: int,
    progress: Callable[[int], None],
) -> int:
    """Each batch commits on its own, so a long run holds no long transaction."""
    done, after = 0, None
    while True:
        async with UnitOfWork(database, JOB, settings, write=True) as uow:
            ids = await flags.patient_ids_after(uow.session, uow.scope, after, batch_size)
            # The batch's records read together, every patient's from scratch.
            await uow.store_flags(dict.fromkeys(ids), as_of)
            await uow.commit()
        if not ids:
            return done
        done += len(ids)
        after = ids[-1]
        progress(len(ids))


async def purge_idempotency_keys(database: Database, settings: Settings) -> int:
    """Forget Idempotency-Keys past their retention (part of the daily job)."""
    async with UnitOfWork(database, JOB, settings, write=True) as uow:
        purged = await idempotency.purge(uow, datetime.now(UTC))
        await uow.commit()
    return purged


async def count_patients(database: Database, settings: Settings) -> int:
    async with UnitOfWork(database, JOB, settings) as uow:
        return await flags.count_live_patients(uow.session, uow.scope)
