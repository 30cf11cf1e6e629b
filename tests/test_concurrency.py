"""Concurrency proof: many simultaneous writers at one patient, through real HTTP, against a
served app (three worker processes on PostgreSQL, one on SQLite).

Proves: nothing acknowledged is lost, nothing is duplicated (natural keys, idempotency keys),
versions strictly increase, and the stored flags equal a fresh evaluation afterwards.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.schemas.status import FLAG_NAMES
from tests.support import factories as f
from tests.support.clients import token
from tests.support.serving import Server, all_items

pytestmark = pytest.mark.slow
WRITERS = 16
REQUESTS_EACH = 20


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[str]:
    workers = 1 if settings.is_sqlite else 3
    secret = settings.jwt_secret or ""
    with Server(settings.database_url, secret, tmp_path / "server.log", workers=workers) as server:
        yield server.base


def _writer(base: str, bearer: str, pid: str, visit: str, n: int) -> list[tuple[str, int, Any]]:
    """One interface engine: new lab results, re-sends, a retried POST, edits of one visit."""
    done: list[tuple[str, int, Any]] = []
    headers = {"Authorization": f"Bearer {bearer}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for j in range(REQUESTS_EACH):
            lab = f.lab_body(value=0.1 + j, external_id=f"W{n}-{j}")
            r = http.post(f"/v1/patients/{pid}/lab-results", json=lab)
            done.append(("lab", r.status_code, r.json().get("id")))
        r = http.post(f"/v1/patients/{pid}/lab-results", json=f.lab_body(external_id="SHARED"))
        done.append(("shared", r.status_code, r.json().get("id")))
        r = http.post(
            f"/v1/patients/{pid}/assessments",
            json=f.assessment_body(),
            headers={"Idempotency-Key": f"retried-visit-{pid}"},
        )
        done.append(("keyed", r.status_code, r.json().get("id")))
        r = http.patch(f"/v1/assessments/{visit}", json={"patient_global": n})
        done.append(("patch", r.status_code, r.json().get("version")))
    return done


def test_simultaneous_writers_lose_and_duplicate_nothing(served: str, settings: Settings) -> None:
    bearer = token(settings)
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {bearer}"}) as http:
        pid = http.post("/v1/patients", json=f.patient_body()).json()["id"]
        visit = http.post(
            f"/v1/patients/{pid}/assessments",
            json=f.assessment_body(assessed_at="2016-01-01T09:00:00Z"),
        ).json()["id"]
        with ThreadPoolExecutor(WRITERS) as pool:
            results = [
                r
                for rs in pool.map(lambda n: _writer(served, bearer, pid, visit, n), range(WRITERS))
                for r in rs
            ]

        assert len(results) == WRITERS * (REQUESTS_EACH + 3)
        assert {status for _, status, _ in results} <= {200, 201}, results
        labs = all_items(http, f"/v1/patients/{pid}/lab-results")
        acknowledged = {i for kind, _, i in results if kind in ("lab", "shared")}
        assert {lab["id"] for lab in labs} == acknowledged  # nothing lost, nothing extra
        assert len(labs) == WRITERS * REQUESTS_EACH + 1  # the shared re-sends made one
        assert len({i for kind, _, i in results if kind == "keyed"}) == 1

        versions = sorted(v for kind, _, v in results if kind == "patch")
        assert versions == list(range(2, WRITERS + 2))  # each edit got its own version
        history = http.get(f"/v1/assessments/{visit}/history").json()["items"]
        assert [v["version"] for v in history] == list(range(1, WRITERS + 2))

        fresh = http.get(f"/v1/patients/{pid}/status").json()
        for flag in FLAG_NAMES:
            cohort = all_items(http, "/v1/patients", flag=flag, flag_status=fresh[flag]["status"])
            assert pid in {p["id"] for p in cohort}, flag
