"""The export loop (`python -m app export`): claim a waiting FHIR $export job (SKIP LOCKED),
run it, look again; sleep TR_EXPORT_POLL_SECONDS when none waits. Expired jobs and their
files are dropped as the loop goes."""

import logging

from app.config import Settings
from app.db import Database
from app.errors import is_transient
from app.services import fhir_export
from app.webhooks import Stopper
from app.workers.deliver import worker_name

log = logging.getLogger("app.workers.export")


async def loop(settings: Settings, stopper: Stopper) -> None:
    database = Database.open(settings)
    worker = worker_name()
    log.info("export worker started", extra={"worker": worker})
    try:
        while not stopper.stopping:
            if not await _once(database, settings, worker):
                await stopper.sleep(settings.export_poll_seconds)
    finally:
        await database.dispose()
        log.info("export worker stopped", extra={"worker": worker})


async def _once(database: Database, settings: Settings, worker: str) -> bool:
    try:
        await fhir_export.purge_expired(database, settings)
        return await fhir_export.run_next(database, settings, worker)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("database unavailable; claiming again later")
        return False
