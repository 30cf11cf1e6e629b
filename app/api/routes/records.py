"""The operations every record collection shares: read, update, enter in error, history."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.api.deps import IfMatch, ReadUoW, WriteUoW
from app.api.responses import errors, page, single
from app.models.base import Record
from app.schemas.history import History, VersionRead
from app.services import records
from app.services.uow import UnitOfWork

Updater = Callable[[UnitOfWork, uuid.UUID, Any, int | None], Awaitable[Any]]
Presenter = Callable[[UnitOfWork, Sequence[Any]], Awaitable[Sequence[BaseModel]]]


@dataclass(frozen=True)
class RecordType:
    """How one record type is addressed, stored in its history and shown."""

    collection: str
    name: str
    model: type[Record]
    read: type[BaseModel]
    stored: type[BaseModel] | None = None  # the history snapshot schema (default: read)
    presenter: Presenter | None = None  # adds derived fields (default: read as stored)

    @property
    def snapshot(self) -> type[BaseModel]:
        return self.stored or self.read

    async def show(self, uow: UnitOfWork, rows: Sequence[Any]) -> list[BaseModel]:
        if self.presenter is not None:
            return list(await self.presenter(uow, rows))
        return [self.read.model_validate(row) for row in rows]

    async def page(self, uow: UnitOfWork, rows: Sequence[Any], cursor: str | None) -> Response:
        return page(self.read, await self.show(uow, rows), cursor)


def add_record_routes(
    router: APIRouter, kind: RecordType, update: tuple[type[BaseModel], Updater] | None = None
) -> None:
    """GET, (PATCH), DELETE and history under /{collection}/{id} for one record type."""
    path = f"/{kind.collection}/{{record_id}}"
    label = kind.name.replace("_", " ")
    camel = "".join(part.title() for part in kind.name.split("_"))

    @router.get(
        path,
        response_model=kind.read,
        operation_id=f"get{camel}",
        responses=errors(404),
        summary=f"Read one {label}, entered-in-error ones included",
    )
    async def get_one(record_id: uuid.UUID, uow: ReadUoW) -> Any:
        row = await records.load(uow, kind.model, record_id)
        return single((await kind.show(uow, [row]))[0])

    @router.delete(
        path,
        response_model=kind.read,
        operation_id=f"delete{camel}",
        responses=errors(404, 412, 400),
        summary=f"Mark a {label} as entered in error (nothing is destroyed)",
    )
    async def delete_one(record_id: uuid.UUID, uow: WriteUoW, version: IfMatch) -> Any:
        row = await records.enter_in_error(uow, kind.model, record_id, version, kind.snapshot)
        return single((await kind.show(uow, [row]))[0])

    @router.get(
        f"{path}/history",
        response_model=History,
        operation_id=f"get{camel}History",
        responses=errors(404),
        summary=f"Every version of a {label}, oldest first",
    )
    async def history(record_id: uuid.UUID, uow: ReadUoW) -> History:
        rows = await records.history(uow, kind.model, record_id)
        return History(items=[VersionRead.model_validate(r) for r in rows])

    if update is not None:
        _add_patch(router, path, camel, label, kind, *update)


def _add_patch(
    router: APIRouter,
    path: str,
    camel: str,
    label: str,
    kind: RecordType,
    body_type: type[BaseModel],
    updater: Updater,
) -> None:
    @router.patch(
        path,
        response_model=kind.read,
        operation_id=f"update{camel}",
        responses=errors(404, 409, 412, 400),
        summary=f"Change fields of a {label} (only the fields sent)",
    )
    async def patch_one(
        record_id: uuid.UUID,
        body: body_type,  # type: ignore[valid-type]
        uow: WriteUoW,
        version: IfMatch,
    ) -> Any:
        row = await updater(uow, record_id, body, version)
        return single((await kind.show(uow, [row]))[0])
