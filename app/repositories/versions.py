import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RecordVersion
from app.repositories.base import keyset_page
from app.repositories.scope import Scope


async def page_for_record(
    session: AsyncSession,
    scope: Scope,
    resource_type: str,
    resource_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[RecordVersion], str | None]:
    """One page of a record's versions, oldest first."""
    stmt = select(RecordVersion).where(
        RecordVersion.resource_type == resource_type,
        RecordVersion.resource_id == resource_id,
        *scope.where(RecordVersion),
    )
    return await keyset_page(
        session,
        stmt,
        sort=RecordVersion.version,
        key=RecordVersion.id,
        cursor=cursor,
        limit=limit,
    )


async def one(
    session: AsyncSession,
    scope: Scope,
    resource_type: str,
    resource_id: uuid.UUID,
    version: int,
) -> dict[str, Any] | None:
    """The stored state of one version of a record (FHIR vread), None when it has none."""
    stmt = select(RecordVersion.data).where(
        RecordVersion.resource_type == resource_type,
        RecordVersion.resource_id == resource_id,
        RecordVersion.version == version,
        *scope.where(RecordVersion),
    )
    found: dict[str, Any] | None = await session.scalar(stmt)
    return found
