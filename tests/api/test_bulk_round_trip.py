"""Export everything, import it into an empty database: the same records under the same ids,
and every patient's status equal. Then GET /v1/export's own rules: scope, types, since."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.schemas import examples
from app.schemas.assessment import AssessmentCreate
from app.schemas.infusion import InfusionCreate
from app.schemas.lab_result import LabResultCreate
from app.schemas.patient import PatientCreate
from app.schemas.regimen import RegimenCreate
from app.security import Principal
from app.services import assessments, infusions, lab_results, patients, regimens
from app.services.uow import UnitOfWork
from bench.courses import course
from tests.support import factories as f
from tests.support.clients import SECRET, client_with, token
from tests.support.databases import Databases

pytestmark = pytest.mark.anyio
NDJSON = {"Content-Type": "application/x-ndjson"}
# Patients of bench/courses.py with IV and subcutaneous courses, short and longer histories.
COURSES = (1, 2, 3, 7)
VOLATILE = ("created_at", "updated_at")


async def seed(settings: Settings) -> None:
    """Realistic histories, stored through the services (not through the import)."""
    database = Database.open(settings)
    seeder = Principal(sub="seed", scopes=frozenset({"admin"}))
    for number in COURSES:
        made = course(number)
        async with UnitOfWork(database, seeder, settings, write=True) as uow:
            patient = (await patients.create(uow, PatientCreate.model_validate(made.patient))).row
            for body in made.regimens:
                regimen = RegimenCreate.model_validate(body)
                last = (await regimens.create(uow, patient.id, regimen)).row
            for body in made.infusions:
                await infusions.create(uow, last.id, InfusionCreate.model_validate(body))
            for body in made.labs:
                await lab_results.create(uow, patient.id, LabResultCreate.model_validate(body))
            for body in made.assessments:
                await assessments.create(uow, patient.id, AssessmentCreate.model_validate(body))
            await uow.commit()
    await database.dispose()


async def exported(client: httpx.AsyncClient, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/v1/export{query}")
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.fixture
def empty_url(databases: Databases) -> Iterator[str]:
    """A second database, empty (made outside the event loop: PostgreSQL's admin calls run
    their own)."""
    url = databases.new()
    yield url
    databases.drop(url)


@pytest.fixture
async def empty(empty_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(database_url=empty_url, jwt_secret=SECRET))
    yield application
    await application.state.engine.dispose()


async def test_export_then_import_into_an_empty_database_restores_every_status(
    client: httpx.AsyncClient, settings: Settings, empty: FastAPI
) -> None:
    await seed(settings)
    extra = await f.patient(client)
    ordered = await f.regimen(client, extra["id"], external_id="EHR-ORDER-9")
    await f.created(client, f"/v1/regimens/{ordered['id']}/dose-changes", examples.DOSE_CHANGE)
    mistaken = await f.created(
        client, f"/v1/patients/{extra['id']}/lab-results", f.lab_body(value=9.0)
    )
    await client.delete(f"/v1/lab-results/{mistaken['id']}")
    lines = await exported(client)
    assert [line["type"] for line in lines] == sorted(
        (line["type"] for line in lines),
        key=["patient", "regimen", "infusion", "dose_change", "lab_result", "assessment"].index,
    )
    assert {"infusion", "dose_change"} <= {line["type"] for line in lines}
    assert [line["id"] for line in lines if line["entered_in_error"]] == [mistaken["id"]]
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    async with client_with(empty, token(empty.state.settings)) as target:
        outcomes = (await target.post("/v1/import", content=body, headers=NDJSON)).text
        summary = json.loads(outcomes.splitlines()[-1])
        assert summary == {
            "type": "summary",
            "lines": len(lines),
            "created": len(lines),
            "duplicate": 0,
            "error": 0,
        }, outcomes[:2000]
        restored = await exported(target)
        assert [_stable(line) for line in restored] == [_stable(line) for line in lines]
        for patient in (line for line in lines if line["type"] == "patient"):
            path = f"/v1/patients/{patient['id']}/status"
            before, after = await client.get(path), await target.get(path)
            assert before.status_code == after.status_code == 200
            assert after.json() == before.json()
        again = (await target.post("/v1/import", content=body, headers=NDJSON)).text
        assert json.loads(again.splitlines()[-1])["duplicate"] == len(lines)
        # A dose change names its regimen by the sender's order id too.
        change = {
            "type": "dose_change",
            "patient_mrn": extra["mrn"],
            "regimen_external_id": "EHR-ORDER-9",
            **examples.DOSE_CHANGE,
            "effective_date": "2016-04-03",
        }
        answer = (await target.post("/v1/import", content=json.dumps(change), headers=NDJSON)).text
        assert json.loads(answer.splitlines()[0])["status"] == "created", answer


def _stable(line: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in line.items() if name not in VOLATILE}


async def test_export_keeps_to_the_callers_organizations_types_and_since(
    database_url: str,
) -> None:
    settings = Settings(database_url=database_url, jwt_secret=SECRET, tenancy=True)
    application = create_app(settings)
    clinic_a = client_with(application, token(settings, sub="a", orgs=["A"]))
    clinic_b = client_with(application, token(settings, sub="b", orgs=["B"]))
    async with clinic_a as a, clinic_b as b:
        mine, theirs = await f.patient(a), await f.patient(b)
        await f.created(a, f"/v1/patients/{mine['id']}/lab-results", f.lab_body())
        lines = await exported(a)
        assert {
            line["patient_id"] if line["type"] != "patient" else line["id"] for line in lines
        } == {mine["id"]}
        assert theirs["id"] not in json.dumps(lines)
        labs = await exported(a, "?types=lab_result")
        assert [line["type"] for line in labs] == ["lab_result"]
        since = labs[0]["updated_at"]
        assert [line["type"] for line in await exported(a, f"?since={since}")] == ["lab_result"]
        refused = await a.get("/v1/export?types=prescription")
        assert refused.status_code == 422
        audit = (await a.get("/v1/audit-events", params={"actor": "a", "limit": 500})).json()
        pages = [e for e in audit["items"] if e["path"] == "/v1/export"]
        assert [mine["id"]] in [e["patient_ids"] for e in pages]
    await application.state.engine.dispose()
