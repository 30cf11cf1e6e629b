"""Bulk export (GET /v1/export): every record the caller sees, as the reads show it, a page
at a time. Each page is a read of its own, audited with the patients it returned (as a
client paging through the lists would be), so memory stays constant however many records.
With a read replica configured, pages are read there, each only once the replica has
replayed past `token` (a write's X-Consistency-Token), else on the primary."""

import itertools
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.config import Settings
from app.db import Database
from app.repositories import bulk
from app.security import Principal
from app.services import resources
from app.services.records import patient_of
from app.services.resources import (
    ASSESSMENT,
    DOSE_CHANGE,
    INFUSION,
    LAB_RESULT,
    PATIENT,
    REGIMEN,
    Resource,
)
from app.services.uow import Origin, UnitOfWork

# Dependency order: a regimen before its infusions and dose changes, so an import of the
# export can run.
EXPORTED: tuple[Resource[Any], ...] = (
    PATIENT,
    REGIMEN,
    INFUSION,
    DOSE_CHANGE,
    LAB_RESULT,
    ASSESSMENT,
)
PAGE = 500


async def records(
    database: Database,
    caller: Principal,
    settings: Settings,
    origin: Origin,
    *,
    kinds: Sequence[Resource[Any]],
    since: datetime | None,
    token: str | None = None,
) -> AsyncIterator[tuple[Resource[Any], BaseModel]]:
    """(type, record as read) for every record of these types, in EXPORTED order."""
    found = pages(database, caller, settings, origin, kinds=kinds, since=since, token=token)
    async for kind, page in found:
        for read in page:
            yield kind, read


async def pages(
    database: Database,
    caller: Principal,
    settings: Settings,
    origin: Origin,
    *,
    kinds: Sequence[Resource[Any]],
    since: datetime | None,
    token: str | None = None,
) -> AsyncIterator[tuple[Resource[Any], list[BaseModel]]]:
    """The same a page at a time (a patient's records together, in (patient, id) order)."""
    for kind in (k for k in EXPORTED if k in kinds):
        after: bulk.Position | None = None
        while True:
            reader = UnitOfWork(
                database, caller, settings, origin=origin, replica=True, token=token
            )
            async with reader as uow:
                rows, after = await bulk.page_after(
                    uow.session, uow.scope, kind.model, since=since, after=after, limit=PAGE
                )
                shown = await _present(uow, kind, [row for row, _ in rows])
                uow.audit.about(kind.name)
                uow.audit.listed((patient_of(row), organization) for row, organization in rows)
                await uow.commit()
            if shown:
                yield kind, shown
            if after is None:
                break


async def _present(uow: UnitOfWork, kind: Resource[Any], rows: list[Any]) -> list[BaseModel]:
    """The rows as the reads show them; one patient at a time (an infusion's checks read its
    patient's other records)."""
    if kind.presenter is None:
        return await resources.present(uow, kind, rows)
    shown: list[BaseModel] = []
    for _, group in itertools.groupby(rows, key=patient_of):
        shown += await resources.present(uow, kind, list(group))
    return shown
