import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def test_create_list_patch_assessment(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    path = f"/v1/patients/{patient['id']}/assessments"
    made = await f.created(client, path, f.assessment_body())
    assert made["power_doppler"] == "negative"
    minimal = await f.created(client, path, {"assessed_at": "2016-06-10T09:00:00Z"})
    assert minimal["tender_joints_28"] is None
    listed = (await client.get(path)).json()["items"]
    assert [a["id"] for a in listed] == [made["id"], minimal["id"]]
    patched = await client.patch(f"/v1/assessments/{minimal['id']}", json={"swollen_joints_28": 2})
    assert (patched.json()["swollen_joints_28"], patched.json()["version"]) == (2, 2)
    removed = await client.patch(f"/v1/assessments/{minimal['id']}", json={"assessed_at": None})
    assert removed.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tender_joints_28": 29}, "tender_joints_28"),
        ({"swollen_joints_28": -1}, "swollen_joints_28"),
        ({"swollen_joints_28": 1.5}, "swollen_joints_28"),
        ({"patient_global": 101}, "patient_global"),
        ({"evaluator_global": -0.5}, "evaluator_global"),
        ({"power_doppler": "maybe"}, "power_doppler"),
        ({"weight_kg": 0}, "weight_kg"),
        ({"assessed_at": "yesterday"}, "assessed_at"),
    ],
)
async def test_assessment_validation(
    client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    patient = await f.patient(client)
    response = await client.post(
        f"/v1/patients/{patient['id']}/assessments", json=f.assessment_body(**change)
    )
    assert response.status_code == 422, response.text
    assert ["body", field] in [e["loc"][:2] for e in response.json()["errors"]]


async def test_assessment_bounds_are_inclusive(client: httpx.AsyncClient) -> None:
    patient = await f.patient(client)
    body = f.assessment_body(
        tender_joints_28=28, swollen_joints_28=0, patient_global=100, evaluator_global=0
    )
    response = await client.post(f"/v1/patients/{patient['id']}/assessments", json=body)
    assert response.status_code == 201
