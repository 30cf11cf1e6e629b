"""external_id on regimens and assessments (the EHR's order or encounter id): unique per
patient among records not entered in error, with the re-send rules of labs and infusions."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio

KINDS = [
    ("regimens", f.regimen_body, {"interval_days": 14}),
    ("assessments", f.assessment_body, {"tender_joints_28": 4}),
]


@pytest.mark.parametrize(("collection", "body_of", "other"), KINDS)
async def test_a_resend_is_the_record_a_different_body_a_conflict_and_in_error_frees_the_id(
    client: httpx.AsyncClient,
    collection: str,
    body_of: Callable[..., dict[str, Any]],
    other: dict[str, Any],
) -> None:
    patient, neighbour = await f.patient(client), await f.patient(client)
    path = f"/v1/patients/{patient['id']}/{collection}"
    body = body_of(external_id="EHR-ORDER-1")
    first = await client.post(path, json=body)
    again = await client.post(path, json=body)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["external_id"] == "EHR-ORDER-1"
    different = await client.post(path, json={**body, **other})
    assert different.status_code == 409
    assert different.json()["existing_id"] == first.json()["id"]
    # Another patient's record may carry the same id.
    elsewhere = await client.post(f"/v1/patients/{neighbour['id']}/{collection}", json=body)
    assert elsewhere.status_code == 201
    # Entered in error by mistake: the record can be sent again under its id.
    assert (await client.delete(f"/v1/{collection}/{first.json()['id']}")).status_code == 200
    renewed = await client.post(path, json={**body, **other})
    assert renewed.status_code == 201
    assert renewed.json()["id"] != first.json()["id"]
    resent = await client.post(path, json={**body, **other})
    assert (resent.status_code, resent.json()["id"]) == (200, renewed.json()["id"])
