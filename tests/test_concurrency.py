"""Concurrency proof: many simultaneous writers at one patient, through real HTTP, against a
served app (three worker processes on PostgreSQL, one on SQLite).

Proves: nothing acknowledged is lost, nothing is duplicated (natural keys, idempotency keys),
versions strictly increase, and the stored flags equal a fresh evaluation afterwards.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests import factories as f
from tests.conftest import ROOT, token

WRITERS = 16
REQUESTS_EACH = 20


@pytest.fixture
def served(migrated: Settings, tmp_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workers = "1" if migrated.is_sqlite else "3"
    env = {
        **os.environ,
        "TR_DATABASE_URL": migrated.database_url,
        "TR_JWT_SECRET": migrated.jwt_secret or "",
        "TR_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                workers,
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server, log)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError("server did not become ready")


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


def _all(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get(path, params={"limit": 500, **({"cursor": cursor} if cursor else {})})
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def test_simultaneous_writers_lose_and_duplicate_nothing(served: str, migrated: Settings) -> None:
    bearer = token(migrated)
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
        labs = _all(http, f"/v1/patients/{pid}/lab-results")
        acknowledged = {i for kind, _, i in results if kind in ("lab", "shared")}
        assert {lab["id"] for lab in labs} == acknowledged  # nothing lost, nothing extra
        assert len(labs) == WRITERS * REQUESTS_EACH + 1  # the shared re-sends made one
        assert len({i for kind, _, i in results if kind == "keyed"}) == 1

        versions = sorted(v for kind, _, v in results if kind == "patch")
        assert versions == list(range(2, WRITERS + 2))  # each edit got its own version
        history = http.get(f"/v1/assessments/{visit}/history").json()["items"]
        assert [v["version"] for v in history] == list(range(1, WRITERS + 2))

        fresh = http.get(f"/v1/patients/{pid}/status").json()
        for flag in ("refractory", "steroid_dependent", "remission"):
            cohort = _all(http, f"/v1/patients?flag={flag}&flag_status={fresh[flag]['status']}")
            assert pid in {p["id"] for p in cohort}, flag
