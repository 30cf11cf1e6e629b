"""Small typed builders of request bodies (from the schemas' examples) and of records
created through the API."""

import copy
from collections.abc import Iterable
from typing import Any

import httpx

from app.schemas import examples
from tests.support.clients import unique_mrn

# A glucocorticoid course at 20 mg/day (steroid-dependent after 180 days).
PREDNISONE: dict[str, Any] = {
    "drug": "prednisone",
    "route": "oral",
    "dose": {"value": 20, "unit": "mg/day"},
    "interval_days": None,
}


def _body(
    example: dict[str, Any], over: dict[str, Any], leave: Iterable[str] = ()
) -> dict[str, Any]:
    """The example (a copy: tests may change nested values) without `leave`, then `over`."""
    body = {k: v for k, v in copy.deepcopy(example).items() if k not in set(leave)}
    return {**body, **over}


def patient_body(**over: Any) -> dict[str, Any]:
    return _body(examples.PATIENT, {"mrn": unique_mrn(), **over})


def regimen_body(**over: Any) -> dict[str, Any]:
    return _body(examples.REGIMEN, over, leave=("end_date", "discontinuation_reason"))


# Without the example's external_id: the same body may be posted many times in one test.
def infusion_body(**over: Any) -> dict[str, Any]:
    return _body(examples.INFUSION, over, leave=("external_id",))


def lab_body(**over: Any) -> dict[str, Any]:
    return _body(examples.LAB_RESULT, over, leave=("external_id",))


def assessment_body(**over: Any) -> dict[str, Any]:
    return _body(examples.ASSESSMENT, over)


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
    return await regimen(client, patient_id, **{**PREDNISONE, **over})
