import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RecordVersion


async def for_record(
    session: AsyncSession, resource_type: str, resource_id: uuid.UUID
) -> Sequence[RecordVersion]:
    stmt = (
        select(RecordVersion)
        .where(
            RecordVersion.resource_type == resource_type,
            RecordVersion.resource_id == resource_id,
        )
        .order_by(RecordVersion.version)
    )
    return (await session.scalars(stmt)).all()
