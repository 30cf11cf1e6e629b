"""The operations every record collection shares: read, update, enter in error, history, and
the listing of one patient's records."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import CursorPage, IfMatch, Paging, ReadUoW, WriteUoW
from app.api.responses import answer_model, errors, listed, page, shown
from app.schemas.common import Page
from app.schemas.history import VersionRead
from app.services import records
from app.services.resources import Resource

Updater = Callable[..., Awaitable[Any]]  # (uow, record_id, body, *, if_match) -> row


def add_record_routes(
    router: APIRouter,
    kind: Resource[Any],
    *,
    update: tuple[type[BaseModel], Updater] | None = None,
    listing: str | None = None,
) -> None:
    """GET, (PATCH), DELETE and history under /{collection}/{id} for one record type;
    `listing`: also GET /patients/{patient_id}/{collection}, described by that text."""
    path = f"/{kind.collection}/{{record_id}}"
    label = kind.name.replace("_", " ")
    camel = "".join(part.title() for part in kind.name.split("_"))
    if listing is not None:
        _add_listing(router, kind, camel, listing)

    @router.get(
        path,
        response_model=kind.read,
        operation_id=f"get{camel}",
        responses=errors(404),
        summary=f"Read one {label}, entered-in-error ones included",
    )
    async def get_one(record_id: uuid.UUID, uow: ReadUoW) -> Any:
        return await shown(uow, kind, await records.read_target(uow, kind, record_id))

    @router.delete(
        path,
        response_model=answer_model(kind),
        operation_id=f"delete{camel}",
        responses=errors(404, 412, 400),
        summary=f"Mark a {label} as entered in error (nothing is destroyed)",
    )
    async def delete_one(record_id: uuid.UUID, uow: WriteUoW, version: IfMatch) -> Any:
        row = await records.enter_in_error(uow, kind, record_id, if_match=version)
        return await shown(uow, kind, row)

    @router.get(
        f"{path}/history",
        response_model=Page[VersionRead],
        operation_id=f"get{camel}History",
        responses=errors(404),
        summary=f"Every version of a {label}, oldest first, a page at a time",
    )
    async def history(record_id: uuid.UUID, uow: ReadUoW, paging: CursorPage) -> Any:
        rows, cursor = await records.history(uow, kind, record_id, paging)
        return page(VersionRead, [VersionRead.model_validate(r) for r in rows], cursor)

    if update is not None:
        _add_patch(router, path, camel, label, kind, *update)


def _add_listing(router: APIRouter, kind: Resource[Any], camel: str, description: str) -> None:
    @router.get(
        f"/patients/{{patient_id}}/{kind.collection}",
        response_model=Page[kind.read],  # type: ignore[name-defined]
        operation_id=f"list{camel}s",
        responses=errors(404),
        summary=f"List {kind.name.replace('_', ' ').title()}s",
        description=description,
    )
    async def list_records(patient_id: uuid.UUID, uow: ReadUoW, paging: Paging) -> Any:
        return await listed(uow, kind, await records.page(uow, kind, patient_id, paging))


def _add_patch(
    router: APIRouter,
    path: str,
    camel: str,
    label: str,
    kind: Resource[Any],
    body_type: type[BaseModel],
    updater: Updater,
) -> None:
    @router.patch(
        path,
        response_model=answer_model(kind),
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
        row = await updater(uow, record_id, body, if_match=version)
        return await shown(uow, kind, row)
