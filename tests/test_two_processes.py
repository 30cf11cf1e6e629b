"""Two independent service processes (`python -m app serve` twice, on two ports, not workers
of one uvicorn) against one database behave as one service: what holds them together is in
the database, never in a process.

Writers spread over both processes at once, at one patient: an Idempotency-Key sent to both
makes one record, an `external_id` sent to both makes one record, a stale If-Match sent to
both is honoured once, edits without one get versions one after another, and the outbox has
one event per acknowledged change, numbered without a gap or a repeat.
"""

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.outbox.stored import events, opened
from tests.support import factories as f
from tests.support.clients import token
from tests.support.serving import AS_DEPLOYED, Server, all_items

pytestmark = pytest.mark.slow  # starts two servers
WRITERS = 8  # half of them at each process
LABS_EACH = 4


@pytest.fixture
def bases(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    secret = settings.jwt_secret or ""
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                Server(settings.database_url, secret, tmp_path / f"{name}.log", target=AS_DEPLOYED)
            )
            for name in "ab"
        )
        yield a.base, b.base


def _writer(base: str, bearer: str, pid: str, visit: str, n: int) -> list[tuple[str, int, Any]]:
    done: list[tuple[str, int, Any]] = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {bearer}"}) as http:
        for j in range(LABS_EACH):
            r = http.post(
                f"/v1/patients/{pid}/lab-results", json=f.lab_body(external_id=f"{n}-{j}")
            )
            done.append(("lab", r.status_code, r.json().get("id")))
        r = http.post(f"/v1/patients/{pid}/lab-results", json=f.lab_body(external_id="SHARED"))
        done.append(("shared", r.status_code, r.json().get("id")))
        keyed = f.assessment_body(assessed_at="2020-05-01T09:00:00Z")
        r = http.post(
            f"/v1/patients/{pid}/assessments", json=keyed, headers={"Idempotency-Key": "visit-1"}
        )
        done.append(("keyed", r.status_code, r.json().get("id")))
        r = http.patch(f"/v1/assessments/{visit}", json={"patient_global": n})
        done.append(("patch", r.status_code, r.json().get("version")))
    return done


def _stale_edit(base: str, bearer: str, visit: str, etag: str) -> int:
    headers = {"Authorization": f"Bearer {bearer}", "If-Match": etag}
    with httpx.Client(base_url=base, headers=headers) as http:
        return http.patch(f"/v1/assessments/{visit}", json={"swollen_joints_28": 3}).status_code


def test_two_processes_behave_as_one_service(bases: tuple[str, str], settings: Settings) -> None:
    bearer = token(settings)
    with httpx.Client(base_url=bases[0], headers={"Authorization": f"Bearer {bearer}"}) as http:
        pid = http.post("/v1/patients", json=f.patient_body()).json()["id"]
        visit = http.post(f"/v1/patients/{pid}/assessments", json=f.assessment_body()).json()["id"]
        with ThreadPoolExecutor(WRITERS) as pool:
            results = [
                result
                for found in pool.map(
                    lambda n: _writer(bases[n % 2], bearer, pid, visit, n), range(WRITERS)
                )
                for result in found
            ]
        assert {status for _, status, _ in results} <= {200, 201}, results
        labs = all_items(http, f"/v1/patients/{pid}/lab-results")
        acknowledged = {i for kind, _, i in results if kind in ("lab", "shared")}
        assert {lab["id"] for lab in labs} == acknowledged
        assert len(labs) == WRITERS * LABS_EACH + 1  # one SHARED record from both processes
        keyed = {i for kind, _, i in results if kind == "keyed"}
        assert len(keyed) == 1  # one assessment for the key, whichever process answered
        # Edits without If-Match queue on the patient's lock across processes: no lost update.
        versions = sorted(v for kind, _, v in results if kind == "patch")
        assert versions == list(range(2, WRITERS + 2))

        etag = http.get(f"/v1/assessments/{visit}").headers["etag"]
        with ThreadPoolExecutor(2) as pool:
            stale = sorted(pool.map(lambda base: _stale_edit(base, bearer, visit, etag), bases))
        assert stale == [200, 412]  # the same If-Match, once at each process: honoured once
        history = http.get(f"/v1/assessments/{visit}/history").json()["items"]
        assert [v["version"] for v in history] == list(range(1, WRITERS + 3))

    stored = asyncio.run(_outbox(settings, pid))
    assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1))  # no gap, no repeat
    written = [data for _, data in stored if "resource_id" in data]
    created = [d["resource_id"] for d in written if d["version"] == 1]
    assert sorted(created) == sorted([pid, visit, *acknowledged, *keyed])  # each one once
    changes = [d["version"] for d in written if d["resource_id"] == visit and d["version"] > 1]
    assert changes == list(range(2, WRITERS + 3))  # in the order they committed


async def _outbox(settings: Settings, pid: str) -> list[tuple[int, dict[str, Any]]]:
    """The patient's events as (seq, data), in their order."""
    async with opened(settings) as database:
        found = await events(database, settings)
    return [(e.seq, e.data) for e in found if str(e.patient_id) == pid]
