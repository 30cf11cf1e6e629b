"""The operations every record collection shares: read, update, enter in error, history."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.api.deps import IfMatch, ReadUnit, WriteUnit
from app.api.responses import errors, single
from app.models.base import Record
from app.schemas.history import History, VersionRead
from app.services import records
from app.services.unit import Unit

Updater = Callable[[Unit, uuid.UUID, Any, int | None], Awaitable[Any]]


def add_record_routes(
    router: APIRouter,
    *,
    collection: str,
    name: str,
    model: type[Record],
    read: type[BaseModel],
    update: tuple[type[BaseModel], Updater] | None = None,
) -> None:
    """GET, (PATCH), DELETE and history under /{collection}/{id} for one record type."""
    path = f"/{collection}/{{record_id}}"
    label = name.replace("_", " ")
    camel = "".join(part.title() for part in name.split("_"))

    @router.get(
        path,
        response_model=read,
        operation_id=f"get{camel}",
        responses=errors(404),
        summary=f"Read one {label}, entered-in-error ones included",
    )
    async def get_one(record_id: uuid.UUID, unit: ReadUnit, response: Response) -> Any:
        return single(response, read.model_validate(await records.load(unit, model, record_id)))

    @router.delete(
        path,
        response_model=read,
        operation_id=f"delete{camel}",
        responses=errors(404, 412, 400),
        summary=f"Mark a {label} as entered in error (nothing is destroyed)",
    )
    async def delete_one(
        record_id: uuid.UUID, unit: WriteUnit, response: Response, version: IfMatch
    ) -> Any:
        row = await records.enter_in_error(unit, model, record_id, version, read)
        return single(response, read.model_validate(row))

    @router.get(
        f"{path}/history",
        response_model=History,
        operation_id=f"get{camel}History",
        responses=errors(404),
        summary=f"Every version of a {label}, oldest first",
    )
    async def history(record_id: uuid.UUID, unit: ReadUnit) -> History:
        rows = await records.history(unit, model, record_id)
        return History(items=[VersionRead.model_validate(r) for r in rows])

    if update is not None:
        _add_patch(router, path, camel, label, read, *update)


def _add_patch(
    router: APIRouter,
    path: str,
    camel: str,
    label: str,
    read: type[BaseModel],
    body_type: type[BaseModel],
    updater: Updater,
) -> None:
    @router.patch(
        path,
        response_model=read,
        operation_id=f"update{camel}",
        responses=errors(404, 409, 412, 400),
        summary=f"Change fields of a {label} (only the fields sent)",
    )
    async def patch_one(
        record_id: uuid.UUID,
        body: body_type,  # type: ignore[valid-type]
        unit: WriteUnit,
        response: Response,
        version: IfMatch,
    ) -> Any:
        row = await updater(unit, record_id, body, version)
        return single(response, read.model_validate(row))
