"""POST /v1/import: lines of every type through the services, batch by batch; a bad line
never stops the others; flags stored once per patient per batch."""

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.main import create_app
from app.services import stored_flags
from tests.outbox.stored import events, opened
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token, unique_mrn

pytestmark = pytest.mark.anyio
NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
async def small_batches(database_url: str) -> AsyncIterator[FastAPI]:
    """Batches of three lines, so a few lines cross batch boundaries."""
    settings = Settings(database_url=database_url, jwt_secret=SECRET, import_batch_lines=3)
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


async def imported(client: httpx.AsyncClient, lines: list[Any]) -> list[dict[str, Any]]:
    body = b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
    )
    response = await client.post("/v1/import", content=body, headers=NDJSON)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(text) for text in response.text.splitlines()]


def lab(mrn: str, **over: Any) -> dict[str, Any]:
    return {"type": "lab_result", "patient_mrn": mrn, **f.lab_body(**over)}


async def test_every_type_imports_and_bad_lines_are_errors_of_their_own(
    small_batches: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored: Counter[uuid.UUID] = Counter()
    real_store = stored_flags.store_many

    async def counted(session: Any, scope: Any, patients: list[Any], *args: Any) -> Any:
        stored.update(p.id for p in patients)
        return await real_store(session, scope, patients, *args)

    monkeypatch.setattr(stored_flags, "store_many", counted)
    mrn = unique_mrn()
    lines: list[Any] = [
        {"type": "patient", **f.patient_body(mrn=mrn)},
        {"type": "regimen", "patient_mrn": mrn, **f.regimen_body(external_id="ORD-1")},
        {
            "type": "infusion",
            "patient_mrn": mrn,
            "regimen_external_id": "ORD-1",
            **f.infusion_body(external_id="ADM-1"),
        },
        lab(mrn, external_id="ACC-1"),  # batch 2
        b"{not json",
        lab(mrn, unit="furlongs"),
        lab(mrn, external_id="ACC-1"),  # batch 3: an identical re-send
        lab(mrn, external_id="ACC-1", value=9.9),
        {"type": "assessment", "patient_mrn": mrn, **f.assessment_body(), "bogus": 1},
        {"type": "assessment", "patient_mrn": "nobody", **f.assessment_body()},  # batch 4
        {"type": "prescription", "patient_mrn": mrn},
        {"type": "assessment", "patient_mrn": mrn, **f.assessment_body()},
    ]
    async with client_with(small_batches, token(small_batches.state.settings)) as client:
        outcomes = await imported(client, lines)
        statuses = [
            (o["line"], o["status"], o.get("problem", {}).get("status")) for o in outcomes[:-1]
        ]
        assert statuses == [
            (1, "created", None),
            (2, "created", None),
            (3, "created", None),
            (4, "created", None),
            (5, "error", 400),
            (6, "error", 422),
            (7, "duplicate", None),
            (8, "error", 409),
            (9, "error", 422),
            (10, "error", 404),
            (11, "error", 422),
            (12, "created", None),
        ]
        assert outcomes[6]["id"] == outcomes[3]["id"]
        assert outcomes[7]["problem"]["existing_id"] == outcomes[3]["id"]
        assert outcomes[8]["problem"]["errors"][0]["loc"] == ["line", "bogus"]
        assert outcomes[-1] == {
            "type": "summary",
            "lines": 12,
            "created": 5,
            "duplicate": 1,
            "error": 6,
        }
        patient_id = outcomes[0]["id"]
        infusion = (await client.get(f"/v1/infusions/{outcomes[2]['id']}")).json()
        assert infusion["regimen_id"] == outcomes[1]["id"]
        listed = await client.get(f"/v1/patients/{patient_id}/lab-results")
        assert [r["id"] for r in listed.json()["items"]] == [outcomes[3]["id"]]
    # One flag evaluation per patient and batch that changed it (batches 1, 2 and 4).
    assert stored == {uuid.UUID(patient_id): 3}


async def test_a_lab_interface_imports_labs_only(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    patient = await f.patient(client)
    lines = [
        lab(patient["mrn"]),
        {"type": "assessment", "patient_id": patient["id"], **f.assessment_body()},
    ]
    async with client_with(app, token(settings, "labs:write", sub="lab")) as lab_interface:
        outcomes = await imported(lab_interface, lines)
    assert [o["status"] for o in outcomes[:2]] == ["created", "error"]
    assert outcomes[1]["problem"]["status"] == 403
    refused = await client.post("/v1/import", content=b"{}", headers={"Content-Type": "text/csv"})
    assert refused.status_code == 415


async def test_a_batch_whose_commit_fails_stores_nothing_and_answers_503_for_each_line(
    small_batches: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store = stored_flags.store_many
    async with client_with(small_batches, token(small_batches.state.settings)) as client:
        doomed, fine = await f.patient(client), await f.patient(client)

        async def failing(session: Any, scope: Any, patients: list[Any], *args: Any) -> Any:
            if uuid.UUID(doomed["id"]) in {p.id for p in patients}:
                raise OperationalError("COMMIT", {}, Exception("connection lost"))
            return await real_store(session, scope, patients, *args)

        monkeypatch.setattr(stored_flags, "store_many", failing)
        lines = [lab(fine["mrn"]), lab(doomed["mrn"]), lab(fine["mrn"]), lab(fine["mrn"])]
        outcomes = await imported(client, lines)
        assert [(o["status"], o.get("problem", {}).get("status")) for o in outcomes[:4]] == [
            ("error", 503),
            ("error", 503),
            ("error", 503),
            ("created", None),
        ]
        for patient in (doomed, fine):
            listed = await client.get(f"/v1/patients/{patient['id']}/lab-results")
            assert len(listed.json()["items"]) == (patient is fine)


async def test_ids_are_kept_when_free_and_a_taken_id_is_a_duplicate(
    client: httpx.AsyncClient,
) -> None:
    patient = await f.patient(client)
    kept = str(uuid.uuid4())
    line = {"id": kept, **lab(patient["mrn"])}
    first = await imported(client, [line, line])
    assert [(o["status"], o["id"]) for o in first[:2]] == [("created", kept), ("duplicate", kept)]
    assert (await client.get(f"/v1/lab-results/{kept}")).json()["version"] == 1


async def test_lab_lines_stored_together_keep_every_guarantee_of_one_by_one(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    """One batch of lab lines (lab_results.create_many): each created one has its first
    version and record.created event; dedupe by external_id and id within the batch and
    against stored records; per-line problems; an entered-in-error line among them."""
    patient, gone = await f.patient(client), await f.patient(client)
    await client.delete(f"/v1/patients/{gone['id']}")
    stored = await imported(client, [lab(patient["mrn"], external_id="OLD")])
    kept, mrn = str(uuid.uuid4()), patient["mrn"]
    lines: list[Any] = [
        lab(mrn, external_id="A"),
        {"type": "lab_result", "patient_id": patient["id"], **f.lab_body(external_id="B")},
        lab(mrn, external_id="A"),  # an identical re-send of line 1
        lab(mrn, external_id="A", value=7.5),  # different content
        lab(mrn, external_id="OLD"),  # stored already, identical
        lab(mrn, external_id="OLD", value=7.5),
        lab("nobody"),
        lab(gone["mrn"]),
        {"type": "lab_result", "patient_id": str(uuid.uuid4()), **f.lab_body()},
        lab(mrn, unit="furlongs"),
        {"id": kept, **lab(mrn)},
        {"id": kept, **lab(mrn)},
        {**lab(mrn, external_id="C"), "entered_in_error": True},
        lab(mrn),
    ]
    outcomes = (await imported(client, lines))[:-1]
    assert [(o["status"], o.get("problem", {}).get("status")) for o in outcomes] == [
        ("created", None),
        ("created", None),
        ("duplicate", None),
        ("error", 409),
        ("duplicate", None),
        ("error", 409),
        ("error", 404),
        ("error", 404),
        ("error", 404),
        ("error", 422),
        ("created", None),
        ("duplicate", None),
        ("created", None),
        ("created", None),
    ]
    assert outcomes[2]["id"] == outcomes[0]["id"] == outcomes[3]["problem"]["existing_id"]
    assert outcomes[4]["id"] == stored[0]["id"] == outcomes[5]["problem"]["existing_id"]
    assert outcomes[10]["id"] == outcomes[11]["id"] == kept
    created = [o["id"] for o in outcomes if o["status"] == "created"]
    listed = await client.get(f"/v1/patients/{patient['id']}/lab-results?limit=50")
    live = {r["id"] for r in listed.json()["items"]}
    assert live == {stored[0]["id"], *created} - {outcomes[12]["id"]}
    for record_id in created:
        history = (await client.get(f"/v1/lab-results/{record_id}/history")).json()["items"]
        assert history[0]["version"] == 1
        assert history[0]["data"]["id"] == record_id
    async with opened(settings) as database:
        written = [
            e.data for e in await events(database, settings) if e.event_type == "record.created"
        ]
    assert {e["resource_id"] for e in written if e["resource_type"] == "lab_result"} == {
        stored[0]["id"],
        *created,
    }
