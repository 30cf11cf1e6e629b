"""Kept status documents (status_document): looked up with the generation of the patient's
stored remission row, written by a group commit's batch."""

import uuid
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import PatientFlag, StatusDocument


class Kept(NamedTuple):
    """The generation of the patient's records (None: no flags stored yet), and the document
    kept for them as of the day asked for, under the digest asked for (None: none)."""

    generation: int | None
    body: str | None


@cache
def _kept() -> Any:
    document = StatusDocument
    return (
        select(PatientFlag.generation, document.body)
        .outerjoin(
            document,
            and_(
                document.patient_id == PatientFlag.patient_id,
                document.generation == PatientFlag.generation,
                document.as_of == bindparam("as_of"),
                document.rules_digest == bindparam("digest"),
            ),
        )
        .where(PatientFlag.patient_id == bindparam("patient_id"), PatientFlag.flag == "remission")
    )


async def kept(
    connection: AsyncConnection, patient_id: uuid.UUID, as_of: date, digest: str
) -> Kept:
    """One query: read before the records, so a document evaluated from them is kept under a
    generation no later than theirs (a write that commits meanwhile makes a newer one)."""
    params = {"patient_id": patient_id, "as_of": as_of, "digest": digest}
    row = (await connection.execute(_kept(), params)).first()
    return Kept(None, None) if row is None else Kept(*row)


@cache
def _keep(postgres: bool) -> Any:
    stmt = (postgresql if postgres else sqlite).insert(StatusDocument)
    names = ("generation", "as_of", "rules_digest", "body", "stored_at")
    return stmt.on_conflict_do_update(
        index_elements=[StatusDocument.patient_id],
        set_={name: stmt.excluded[name] for name in names},
        # A reader that evaluated older records does not replace a newer document.
        where=StatusDocument.generation <= stmt.excluded.generation,
    )


async def keep(connection: AsyncConnection, documents: list[dict[str, Any]]) -> None:
    """A group commit's batch of documents: one per patient (the last), in patient id order,
    so that two batches upserting the same patients cannot deadlock."""
    latest = {document["patient_id"]: document for document in documents}
    rows = [latest[key] for key in sorted(latest)]  # stored_at: the column's default
    await connection.execute(_keep(connection.dialect.name == "postgresql"), rows)
