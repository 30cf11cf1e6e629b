"""Async Alembic environment: the URL comes from the service's own settings."""

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.config import Settings
from app.db import WRITE, create_engine
from app.models import Base
from app.models.base import UTCDateTime

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _settings() -> Settings:
    settings = config.attributes.get("settings")
    return settings if isinstance(settings, Settings) else Settings()


def _render_item(kind: str, item: Any, autogen: Any) -> str | Literal[False]:
    """Migrations stay free of app code: the UTC decorator is a plain timezone-aware column."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        _rebuilds_keep_references(connection)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        # One transaction for the whole upgrade on SQLite too (Alembic commits per migration
        # there by default): a concurrent migrator then sees all of it or none of it. The
        # driver's implicit commits are off (app.db), so SQLite DDL is transactional.
        transactional_ddl=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time (held until this commits).
            connection.execute(text("SELECT pg_advisory_xact_lock(7251001)"))
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _check_references(connection)


def _rebuilds_keep_references(connection: Connection) -> None:
    """SQLite alters most things by rebuilding the table (batch mode): dropping a table that
    other tables reference fails while foreign keys are enforced. The switch works only
    outside a transaction, so it is set on the driver connection before the migration's
    transaction begins; _check_references verifies every reference before commit."""
    cursor = connection.connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _check_references(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration leaves {len(broken)} broken references")


async def _run_online() -> None:
    engine = create_engine(_settings())
    try:
        async with engine.connect() as connection:
            # SQLite: BEGIN IMMEDIATE, so a second migrator waits for the first instead of
            # failing when its read snapshot turns into a write (PostgreSQL: advisory lock).
            writer = await connection.execution_options(**WRITE)
            await writer.run_sync(_configure)
    finally:
        await engine.dispose()  # a failed migration too: no connection is left behind


if context.is_offline_mode():
    context.configure(url=_settings().database_url, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
