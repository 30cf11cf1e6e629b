"""Small typed builders of request bodies and records created through the API."""

from typing import Any

import httpx

from tests.conftest import unique_mrn


def patient_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mrn": unique_mrn(),
        "sex": "female",
        "birth_date": "1957-03-01",
        "diagnoses": [{"system": "icd10", "code": "M06.9", "onset_date": "2002-04-01"}],
    }
    return {**body, **over}


def regimen_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "drug": "tocilizumab",
        "dose": {"value": 8, "unit": "mg/kg"},
        "route": "iv",
        "interval_days": 28,
        "start_date": "2016-01-10",
    }
    return {**body, **over}


def infusion_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "administered_at": "2016-02-07T09:30:00+01:00",
        "dose_mg": 496,
        "weight_kg": 62,
        "status": "completed",
    }
    return {**body, **over}


def lab_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "test": "crp",
        "value": 0.3,
        "unit": "mg/dL",
        "reference_range": {"low": None, "high": 0.5},
        "collected_at": "2016-05-10T08:00:00Z",
    }
    return {**body, **over}


def assessment_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "assessed_at": "2016-05-10T09:00:00Z",
        "tender_joints_28": 0,
        "swollen_joints_28": 0,
        "power_doppler": "negative",
        "patient_global": 10,
        "evaluator_global": 5,
        "weight_kg": 62,
    }
    return {**body, **over}


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def patient(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    return await created(client, "/v1/patients", patient_body(**over))


async def regimen(client: httpx.AsyncClient, patient_id: str, **over: Any) -> dict[str, Any]:
    return await created(client, f"/v1/patients/{patient_id}/regimens", regimen_body(**over))


async def prednisone(client: httpx.AsyncClient, patient_id: str, **over: Any) -> dict[str, Any]:
    """A glucocorticoid course at 20 mg/day (steroid-dependent after 180 days)."""
    return await regimen(
        client,
        patient_id,
        drug="prednisone",
        route="oral",
        dose={"value": 20, "unit": "mg/day"},
        interval_days=None,
        **over,
    )
