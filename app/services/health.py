"""Readiness: the database answers and carries the latest migration."""

import asyncio
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import Database
from app.metrics import FLAGS, WEBHOOK_OLDEST_PENDING, WEBHOOK_QUEUE_DEPTH
from app.models.base import utcnow
from app.repositories import deliveries, flags, schema
from app.services.uow import UnitOfWork, system_caller

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
READY_TIMEOUT_SECONDS = 3.0
SCRAPER = system_caller("metrics")


def schema_head() -> str | None:
    """The latest migration shipped with this code (read once at start-up)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


async def readiness(engine: AsyncEngine, head: str | None) -> dict[str, Any]:
    try:
        current = await asyncio.wait_for(schema.current_revision(engine), READY_TIMEOUT_SECONDS)
    except Exception as exc:
        return {
            "status": "unavailable",
            "database": f"unreachable ({type(exc).__name__})",
            "schema": None,
            "expected_schema": head,
        }
    state = "ready" if current == head else "schema_behind"
    return {"status": state, "database": "ok", "schema": current, "expected_schema": head}


async def publish_flag_counts(database: Database, settings: Settings) -> None:
    """Set the flags-by-status gauge from the stored flags (one grouped count)."""
    try:
        async with UnitOfWork(database, SCRAPER, settings) as uow:
            counts = await flags.counts(uow.session, uow.scope)
    except Exception:
        return
    for flag, status, count in counts:
        FLAGS.labels(flag, status).set(count)


async def publish_delivery_queue(database: Database, settings: Settings) -> None:
    """Set the webhook queue gauges from the pending deliveries (one aggregate over the
    pending rows' partial index)."""
    try:
        async with UnitOfWork(database, SCRAPER, settings) as uow:
            depth, oldest = await deliveries.queue(uow.session)
    except Exception:
        return
    WEBHOOK_QUEUE_DEPTH.set(depth)
    age = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
    WEBHOOK_OLDEST_PENDING.set(age)
