"""History is a list like the others (api-contract.md 1.1): `limit`, `cursor`, oldest first."""

import httpx
import pytest

from tests.support import factories as f

pytestmark = pytest.mark.anyio


async def test_history_comes_a_page_at_a_time_oldest_first(client: httpx.AsyncClient) -> None:
    made = await f.patient(client)
    path = f"/v1/patients/{made['id']}"
    for n in range(6):
        assert (await client.patch(path, json={"given_name": f"Name{n}"})).status_code == 200
    versions: list[list[int]] = []
    params: dict[str, str] = {"limit": "3"}
    while True:
        page = (await client.get(f"{path}/history", params=params)).json()
        versions.append([v["version"] for v in page["items"]])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert versions == [[1, 2, 3], [4, 5, 6], [7]]
    whole = (await client.get(f"{path}/history")).json()
    assert [v["version"] for v in whole["items"]] == list(range(1, 8))
    assert whole["next_cursor"] is None


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "501"}, {"cursor": "not-ours"}])
async def test_history_paging_refuses_bad_limits_and_cursors(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    made = await f.patient(client)
    response = await client.get(f"/v1/patients/{made['id']}/history", params=params)
    assert response.status_code == 422
