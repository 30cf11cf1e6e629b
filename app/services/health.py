"""Readiness: the database answers and carries the latest migration."""

import asyncio
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import Database
from app.metrics import FLAGS
from app.repositories import flags, schema
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
