from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import IdempotencyKey
from app.repositories.scope import Scope


async def get(session: AsyncSession, scope: Scope, actor: str, key: str) -> IdempotencyKey | None:
    """The caller's key, if `scope` sees the patient its answer is about."""
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.actor == actor, IdempotencyKey.key == key, *scope.where(IdempotencyKey)
    )
    return await session.scalar(stmt.execution_options(populate_existing=True))


async def purge(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def forget(session: AsyncSession, row: IdempotencyKey) -> None:
    """Delete an expired key (a plain DELETE: a racing twin deletes nothing) and drop the
    loaded row from the session, so the key can be inserted afresh."""
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.actor == row.actor, IdempotencyKey.key == row.key
        )
    )
    session.expunge(row)
