"""Bad input of any shape is a 4xx problem, never a 500 and never a partial write."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio

BAD_BODIES: list[bytes] = [
    b"",
    b"{",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b'{"mrn": NaN}',
    b'{"dose_mg": Infinity}',
    b"\xff\xfe",
    b'{"a":' * 50 + b"1" + b"}" * 50,
]


@pytest.mark.parametrize("raw", BAD_BODIES)
async def test_malformed_bodies_are_4xx_problems(client: httpx.AsyncClient, raw: bytes) -> None:
    patient = await f.patient(client)
    regimen = await f.regimen(client, patient["id"])
    for path in (
        "/v1/patients",
        f"/v1/patients/{patient['id']}/regimens",
        f"/v1/regimens/{regimen['id']}/infusions",
        f"/v1/patients/{patient['id']}/lab-results",
        f"/v1/patients/{patient['id']}/assessments",
    ):
        response = await client.post(
            path, content=raw, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (path, raw, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
        assert "Traceback" not in response.text


async def test_nan_and_infinity_numbers_are_refused(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    regimen = await f.regimen(client, patient["id"])
    raw = b'{"administered_at": "2016-02-07T09:30:00Z", "dose_mg": NaN, "status": "completed"}'
    response = await client.post(
        f"/v1/regimens/{regimen['id']}/infusions",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    listed = await client.get(f"/v1/patients/{patient['id']}/infusions")
    assert listed.json()["items"] == []


async def test_refused_write_leaves_nothing_behind(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    path = f"/v1/patients/{patient['id']}/lab-results"
    refused = await client.post(path, json=f.lab_body(unit="furlongs"))
    assert refused.status_code == 422
    assert (await client.get(path)).json()["items"] == []
    history = (await client.get(f"/v1/patients/{patient['id']}/history")).json()["items"]
    assert len(history) == 1


async def test_validation_errors_do_not_echo_the_input(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/patients", json=f.patient_body(sex="SECRET-VALUE-42"))
    assert response.status_code == 422
    assert "SECRET-VALUE-42" not in response.text


async def test_oversized_bodies_are_413_problems(client: httpx.AsyncClient) -> None:
    declared = await client.post(
        "/v1/patients", content=b" " * 1_100_000, headers={"Content-Type": "application/json"}
    )

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 65_536

    streamed = await client.post(
        "/v1/patients", content=stream(), headers={"Content-Type": "application/json"}
    )
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"


async def test_deep_nesting_and_long_strings_are_refused(client: httpx.AsyncClient) -> None:
    deep = await client.post(
        "/v1/patients", content=b"[" * 200_000, headers={"Content-Type": "application/json"}
    )
    assert deep.status_code in (400, 422)
    assert deep.headers["content-type"] == "application/problem+json"
    long_name = await client.post("/v1/patients", json=f.patient_body(given_name="x" * 201))
    assert long_name.status_code == 422
    many = await client.post(
        "/v1/patients", json=f.patient_body(diagnoses=[{"system": "icd10", "code": "M06.9"}] * 101)
    )
    assert many.status_code == 422
    assert (await client.get("/v1/patients", params={"mrn": "x" * 65})).status_code == 422


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
async def test_deep_nesting_with_an_idempotency_key_is_a_400(
    client: httpx.AsyncClient, content_type: str
) -> None:
    """The key's fingerprint reads the body before the route does: too deep is a 400 there
    too, not a RecursionError."""
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    response = await client.post(
        "/v1/patients",
        content=deep,
        headers={"Content-Type": content_type, "Idempotency-Key": "deep-1"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/patients")).json()["items"] == []
