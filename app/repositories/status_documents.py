"""Kept status documents (status_document): looked up with the patient, by the generation of
its stored remission row; written by a group commit's batch."""

import uuid
from datetime import date
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import Patient, PatientFlag, StatusDocument
from app.repositories import driver
from app.repositories.scope import Scope


@lru_cache(maxsize=64)
def _patient_and_kept(scope: Scope) -> Select[Any]:
    document, remission = StatusDocument, PatientFlag
    of_patient = and_(remission.patient_id == Patient.id, remission.flag == "remission")
    return (
        select(Patient.__table__, remission.generation, document.body)
        .outerjoin(remission, of_patient)
        .outerjoin(
            document,
            and_(
                document.patient_id == Patient.id,
                document.generation == remission.generation,
                document.as_of == bindparam("as_of"),
                document.rules_digest == bindparam("digest"),
            ),
        )
        .where(Patient.id == bindparam("record_id"), *scope.where(Patient))
    )


async def patient_and_kept(
    connection: AsyncConnection, scope: Scope, patient_id: uuid.UUID, as_of: date, digest: str
) -> Row[Any] | None:
    """The patient's columns as `base.read` reads them (None: missing, or not in `scope`),
    and, in the same query, `generation`: that of its stored remission row, which every
    write of its records renews (None: no flags stored yet), and `body`: the document kept
    for that generation as of the day, under the digest, asked for (None: none).

    Read before the records, so a document evaluated from them is kept under a generation
    no later than theirs (a write that commits meanwhile makes a newer one)."""
    params = {"record_id": patient_id, "as_of": as_of, "digest": digest}
    row: Row[Any] | None = await driver.first(connection, _patient_and_kept(scope), params)
    return row


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
