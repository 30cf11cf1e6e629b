"""FHIR Bulk Data $export: kick-off, status with progress, the worker, the manifest, the
NDJSON files (valid R4 resources), only for the caller who asked, cancellation."""

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.services import fhir_export
from tests.fhir.validation import assert_valid
from tests.support import factories as f
from tests.support.clients import client_with, token

pytestmark = pytest.mark.anyio
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


async def records(client: httpx.AsyncClient) -> dict[str, Any]:
    patient = await f.patient(client)
    regimen = await f.regimen(client, patient["id"])
    await f.created(client, f"/v1/regimens/{regimen['id']}/infusions", f.infusion_body())
    lab = f"/v1/patients/{patient['id']}/lab-results"
    await f.created(client, lab, f.lab_body())
    await f.created(client, f"/v1/patients/{patient['id']}/assessments", f.assessment_body())
    return patient


async def test_a_system_export_runs_in_the_worker_and_serves_valid_ndjson_files(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    patient = await records(client)
    refused = await client.get("/fhir/$export")
    assert refused.status_code == 400
    assert refused.json()["resourceType"] == "OperationOutcome"
    kicked = await client.get("/fhir/$export", headers=ASYNC)
    assert kicked.status_code == 202, kicked.text
    status_url = kicked.headers["content-location"]
    waiting = await client.get(status_url)
    assert waiting.status_code == 202
    assert waiting.headers["x-progress"]
    assert await fhir_export.run_next(app.state.database, settings, "test-worker")
    assert not await fhir_export.run_next(app.state.database, settings, "test-worker")
    done = await client.get(status_url)
    assert done.status_code == 200, done.text
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/$export")
    counts = {file["type"]: file["count"] for file in manifest["output"]}
    # The assessment's panel and its six items, and the lab: eight Observations.
    assert counts == {
        "Patient": 1,
        "Condition": 1,
        "MedicationRequest": 1,
        "MedicationAdministration": 1,
        "Observation": 8,
    }
    for file in manifest["output"]:
        got = await client.get(file["url"])
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("application/fhir+ndjson")
        resources = [json.loads(line) for line in got.text.splitlines()]
        assert len(resources) == file["count"]
        for resource in resources:
            assert resource["resourceType"] == file["type"]
            assert_valid(resource)
    assert patient["id"] in (await client.get(manifest["output"][0]["url"])).text
    async with client_with(app, token(settings, sub="someone-else")) as other:
        assert (await other.get(status_url)).status_code == 404
        assert (await other.get(manifest["output"][0]["url"])).status_code == 404
    assert (await client.delete(status_url)).status_code == 202
    assert (await client.get(status_url)).status_code == 404


async def test_types_and_a_cancelled_job(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    await records(client)
    unknown = await client.get("/fhir/$export?_type=Encounter", headers=ASYNC)
    assert unknown.status_code == 400
    kicked = await client.get("/fhir/Patient/$export?_type=Patient", headers=ASYNC)
    cancelled = await client.get("/fhir/$export?_type=Observation", headers=ASYNC)
    assert (await client.delete(cancelled.headers["content-location"])).status_code == 202
    assert await fhir_export.run_next(app.state.database, settings, "test-worker")
    assert not await fhir_export.run_next(app.state.database, settings, "test-worker")
    manifest = (await client.get(kicked.headers["content-location"])).json()
    assert [file["type"] for file in manifest["output"]] == ["Patient"]
    assert (await client.get("/fhir/Group/default/$export", headers=ASYNC)).status_code == 404
