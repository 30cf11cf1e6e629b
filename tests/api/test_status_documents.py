"""GET .../status as of today answers the document it kept for the patient's records until
they change: every kind of write outdates it, and so do another day and other rule
settings. Each test marks a kept document (its body replaced in the table), so that an
answer shows where it came from."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, update

from app.models import AuditEvent, PatientFlag, StatusDocument
from app.repositories import status_documents
from tests.support import factories as f

pytestmark = pytest.mark.anyio
MARKED = {"kept": "marked by the test"}


async def _patient(client: httpx.AsyncClient) -> dict[str, Any]:
    """A patient on tocilizumab with one infusion and one CRP: every write below has a
    record to act on."""
    pid = (await f.patient(client))["id"]
    toci = await f.regimen(client, pid)
    infusion = await f.created(client, f"/v1/regimens/{toci['id']}/infusions", f.infusion_body())
    lab = await f.created(client, f"/v1/patients/{pid}/lab-results", f.lab_body())
    return {"patient": pid, "regimen": toci["id"], "infusion": infusion["id"], "lab": lab["id"]}


async def _mark(app: FastAPI, pid: str, **columns: Any) -> None:
    """Replace the kept document's body (and any other column given); it must exist."""
    async with app.state.engine.begin() as conn:
        changed = await conn.execute(
            update(StatusDocument)
            .where(StatusDocument.patient_id == uuid.UUID(pid))
            .values(body='{"kept": "marked by the test"}', **columns)
        )
    assert changed.rowcount == 1


async def _status(client: httpx.AsyncClient, pid: str, **params: str) -> Any:
    response = await client.get(f"/v1/patients/{pid}/status", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def _evaluated(app: FastAPI, client: httpx.AsyncClient, pid: str) -> Any:
    """The status evaluated afresh: with no document kept, the rules run."""
    async with app.state.engine.begin() as conn:
        await conn.execute(delete(StatusDocument))
    return await _status(client, pid)


async def _audited(app: FastAPI, pid: str) -> int:
    async with app.state.engine.connect() as conn:
        stmt = select(func.count()).where(AuditEvent.patient_id == uuid.UUID(pid))
        return int(await conn.scalar(stmt) or 0)


async def test_a_second_read_of_the_day_is_answered_with_the_kept_document(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pid = (await _patient(client))["patient"]
    first = await _status(client, pid)
    assert first["patient_id"] == pid
    assert "remission" in first
    await _mark(app, pid)
    audited = await _audited(app, pid)

    assert await _status(client, pid) == MARKED
    assert await _audited(app, pid) == audited + 1  # a kept answer is a read all the same
    today = app.state.settings.today()
    assert await _status(client, pid, as_of=today.isoformat()) == MARKED
    yesterday = await _status(client, pid, as_of=(today - timedelta(days=1)).isoformat())
    assert yesterday["as_of"] == (today - timedelta(days=1)).isoformat()  # evaluated


async def test_an_unknown_patient_is_404_without_a_document(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/patients/{uuid.uuid4()}/status")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


Write = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[httpx.Response]]
WRITES: dict[str, Write] = {
    "lab result": lambda c, r: c.post(
        f"/v1/patients/{r['patient']}/lab-results", json=f.lab_body(value=40)
    ),
    "assessment": lambda c, r: c.post(
        f"/v1/patients/{r['patient']}/assessments", json=f.assessment_body()
    ),
    "regimen": lambda c, r: c.post(
        f"/v1/patients/{r['patient']}/regimens",
        json=f.regimen_body(
            drug="methotrexate", route="oral", dose={"value": 15, "unit": "mg"}, interval_days=7
        ),
    ),
    "infusion": lambda c, r: c.post(
        f"/v1/regimens/{r['regimen']}/infusions", json=f.infusion_body(dose_mg=300)
    ),
    "dose change": lambda c, r: c.post(
        f"/v1/regimens/{r['regimen']}/dose-changes",
        json={"effective_date": "2026-01-05", "dose": {"value": 4, "unit": "mg/kg"}},
    ),
    "infusion changed": lambda c, r: c.patch(f"/v1/infusions/{r['infusion']}", json={"dose_mg": 1}),
    "lab result entered in error": lambda c, r: c.delete(f"/v1/lab-results/{r['lab']}"),
    "infusion entered in error": lambda c, r: c.delete(f"/v1/infusions/{r['infusion']}"),
    "regimen ended": lambda c, r: c.patch(
        f"/v1/regimens/{r['regimen']}",
        json={"end_date": "2026-02-01", "discontinuation_reason": "inefficacy"},
    ),
    "patient changed": lambda c, r: c.patch(
        f"/v1/patients/{r['patient']}", json={"birth_date": "1950-01-01"}
    ),
}


@pytest.mark.parametrize("write", WRITES)
async def test_every_write_of_the_patient_outdates_its_document(
    app: FastAPI, client: httpx.AsyncClient, write: str
) -> None:
    records = await _patient(client)
    pid = records["patient"]
    await _status(client, pid)
    await _mark(app, pid)

    response = await WRITES[write](client, records)
    assert response.status_code in (200, 201), response.text

    after = await _status(client, pid)
    assert after != MARKED
    assert after == await _evaluated(app, client, pid)


async def test_a_document_of_another_day_or_rules_digest_is_evaluated_again(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pid = (await _patient(client))["patient"]
    await _status(client, pid)
    yesterday = app.state.settings.today() - timedelta(days=1)
    await _mark(app, pid, as_of=yesterday)
    assert await _status(client, pid) != MARKED

    await _mark(app, pid, rules_digest="another digest")
    assert await _status(client, pid) != MARKED


async def test_a_document_of_older_records_is_evaluated_again_and_not_kept_over_newer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pid = (await _patient(client))["patient"]
    expected = await _status(client, pid)
    await _mark(app, pid, generation=StatusDocument.generation - 1)
    assert await _status(client, pid) == expected  # evaluated, and kept again

    async with app.state.engine.begin() as conn:
        kept = (await conn.execute(select(StatusDocument))).one()
        flag = select(PatientFlag.generation).where(
            PatientFlag.patient_id == uuid.UUID(pid), PatientFlag.flag == "remission"
        )
        assert kept.generation == await conn.scalar(flag)
        # A reader that read the records before a later write keeps nothing over it.
        older = {**kept._asdict(), "generation": kept.generation - 1, "body": "{}"}
        await status_documents.keep(conn, [older])
        assert (await conn.execute(select(StatusDocument))).one().body == kept.body
