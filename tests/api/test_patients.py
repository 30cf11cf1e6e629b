from typing import Any

import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def test_create_read_and_list_a_patient(client: httpx.AsyncClient) -> None:
    body = f.patient_body(given_name="Ana", family_name="Ruiz")
    response = await client.post("/v1/patients", json=body)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == f"/v1/patients/{created['id']}"
    assert response.headers["etag"] == 'W/"1"'
    assert created["version"] == 1
    assert created["mrn"] == body["mrn"]
    assert created["diagnoses"] == body["diagnoses"]
    assert created["created_at"].endswith("Z")

    read = await client.get(f"/v1/patients/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == 'W/"1"'

    listed = await client.get("/v1/patients", params={"mrn": body["mrn"]})
    assert [p["id"] for p in listed.json()["items"]] == [created["id"]]
    assert listed.json()["next_cursor"] is None


async def test_pagination_walks_every_page_once(client: httpx.AsyncClient) -> None:
    made = [(await f.patient(client))["id"] for _ in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/patients", params=params)).json()
        assert len(page["items"]) <= 3
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert seen == made  # this test's database holds its patients only, oldest first
    assert pages == 3


async def test_bad_cursor_and_limit_are_422(client: httpx.AsyncClient) -> None:
    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 501}):
        response = await client.get("/v1/patients", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["query", next(iter(params))]


async def test_duplicate_mrn_is_409_naming_the_existing_patient(client: httpx.AsyncClient) -> None:
    first = await f.patient(client)
    response = await client.post("/v1/patients", json=f.patient_body(mrn=first["mrn"]))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["existing_id"] == first["id"]


async def test_patch_changes_only_sent_fields_and_bumps_version(
    client: httpx.AsyncClient,
) -> None:
    made = await f.patient(client, given_name="Ana")
    response = await client.patch(
        f"/v1/patients/{made['id']}", json={"family_name": "Ruiz"}, headers={"If-Match": 'W/"1"'}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["version"] == 2
    assert response.headers["etag"] == 'W/"2"'
    assert (changed["given_name"], changed["family_name"]) == ("Ana", "Ruiz")
    assert changed["updated_at"] > made["updated_at"]


async def test_patch_with_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    made = await f.patient(client)
    await client.patch(f"/v1/patients/{made['id']}", json={"sex": "other"})
    stale = await client.patch(
        f"/v1/patients/{made['id']}", json={"sex": "male"}, headers={"If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert (await client.get(f"/v1/patients/{made['id']}")).json()["sex"] == "other"


async def test_patch_cannot_null_a_required_field_or_take_another_mrn(
    client: httpx.AsyncClient,
) -> None:
    one, two = await f.patient(client), await f.patient(client)
    nulled = await client.patch(f"/v1/patients/{one['id']}", json={"sex": None})
    assert nulled.status_code == 422
    assert nulled.json()["errors"][0]["loc"] == ["body", "sex"]
    taken = await client.patch(f"/v1/patients/{one['id']}", json={"mrn": two["mrn"]})
    assert taken.status_code == 409


async def test_delete_marks_entered_in_error_and_keeps_history(client: httpx.AsyncClient) -> None:
    made = await f.patient(client)
    deleted = await client.delete(f"/v1/patients/{made['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["entered_in_error"] is True
    still = await client.get(f"/v1/patients/{made['id']}")
    assert still.status_code == 200
    assert still.json()["entered_in_error"] is True
    hidden = await client.get("/v1/patients", params={"mrn": made["mrn"]})
    assert hidden.json()["items"] == []
    shown = await client.get(
        "/v1/patients", params={"mrn": made["mrn"], "include_entered_in_error": "true"}
    )
    assert [p["id"] for p in shown.json()["items"]] == [made["id"]]
    history = (await client.get(f"/v1/patients/{made['id']}/history")).json()["items"]
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["data"]["entered_in_error"] is False
    assert history[1]["data"]["entered_in_error"] is True
    assert history[1]["actor"] == "tester"


async def test_unknown_patient_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/patients/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    malformed = await client.get("/v1/patients/not-a-uuid")
    assert malformed.status_code == 422


async def test_patient_validation(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], list[str | int]]] = [
        ({"sex": "f"}, ["body", "sex"]),
        ({"birth_date": "2999-01-01"}, ["body", "birth_date"]),
        ({"birth_date": 0}, ["body", "birth_date"]),
        ({"mrn": ""}, ["body", "mrn"]),
        ({"mrn": "has space"}, ["body", "mrn"]),
        ({"nickname": "x"}, ["body", "nickname"]),
        ({"diagnoses": [{"system": "icd10"}]}, ["body", "diagnoses", 0, "code"]),
    ]
    for change, loc in cases:
        response = await client.post("/v1/patients", json=f.patient_body(**change))
        assert response.status_code == 422, change
        assert response.headers["content-type"] == "application/problem+json"
        assert loc in [e["loc"] for e in response.json()["errors"]], (change, response.text)
