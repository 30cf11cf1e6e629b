"""PostgreSQL goes away under load, and comes back: the service degrades to 503 and recovers.

    .venv/bin/python -m proofs.db_faults [--outage 6] [--db-timeout 2] [--threads 8]

Serves the app (uvicorn) on a scratch database, runs a bounded write + read load, stops the
local cluster (`pg_ctlcluster ... stop -m fast`) mid-load, starts it again, and checks:
every answer is a 2xx or a 503 problem+json with Retry-After (never a 500, never no answer);
no request takes longer than TR_DB_TIMEOUT_SECONDS (+ HTTP slack); the service recovers by
itself; every write acknowledged with 2xx reads back complete, and every write refused with
503 retried with its Idempotency-Key is stored exactly once. It STOPS THE LOCAL CLUSTER, and
always starts it again before exiting. Exit status 1 on any violation.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from tempfile import mkdtemp

import httpx

from proofs.traffic import Load, Sent
from tests.support.serving import Server, admin_token, all_items, migrate

ADMIN = "postgresql://postgres@127.0.0.1:5432"
SLACK = 0.5  # HTTP, scheduling and the error handler, on top of the database timeout


def _cluster(version: str, action: str) -> None:
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    subprocess.run(command + (["-m", "fast"] if action == "stop" else []), check=True)


def _ready() -> bool:
    probe = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]
    return subprocess.run(probe, check=False).returncode == 0


def _ensure_started(version: str) -> None:
    if not _ready():
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
    for _ in range(120):
        if _ready():
            return
        time.sleep(0.5)
    print("WARNING: PostgreSQL is not answering", file=sys.stderr)


def _psql(sql: str, check: bool = True) -> None:
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run([*command, "-c", sql], check=check)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-version", default=sorted(os.listdir("/etc/postgresql"))[-1])
    parser.add_argument("--db-timeout", type=float, default=2.0, help="TR_DB_TIMEOUT_SECONDS")
    parser.add_argument("--outage", type=float, default=6.0, help="seconds PostgreSQL is down")
    parser.add_argument("--threads", type=int, default=8)
    # Enough for the whole run: 503s come fast, and a budget spent before PostgreSQL is back
    # leaves no request to show the recovery.
    parser.add_argument("--max-requests", type=int, default=30000)
    parser.add_argument("--recovery-limit", type=float, default=30.0)
    parser.add_argument("--app", default="app.main:app", help="the ASGI app uvicorn serves")
    args = parser.parse_args()
    if not _ready():
        print("PostgreSQL is not running on 127.0.0.1:5432", file=sys.stderr)
        return 2
    db = f"tr_faults_{uuid.uuid4().hex[:10]}"
    _psql(f'CREATE DATABASE "{db}"')
    url, secret = f"{ADMIN}/{db}", uuid.uuid4().hex * 2
    log = Path(mkdtemp(prefix="tr-faults-")) / "server.log"
    env = {"TR_DB_TIMEOUT_SECONDS": str(args.db_timeout), "TR_LOG_LEVEL": "INFO"}
    server = Server(url, secret, log, env=env, target=args.app)
    try:
        migrate(url)
        server.start()
        return _run(args, server, admin_token(secret, "db-faults"))
    finally:
        _ensure_started(args.pg_version)
        server.stop()
        _psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', check=False)
        print(f"server log: {log}")


def _run(args: argparse.Namespace, server: Server, bearer: str) -> int:
    headers = {"Authorization": f"Bearer {bearer}"}
    http = httpx.Client(base_url=server.base, headers=headers, timeout=60)
    patients = [
        http.post("/v1/patients", json=_patient(i)).raise_for_status().json()["id"]
        for i in range(4)
    ]
    load = Load(
        server.base,
        bearer,
        patients,
        tag=f"F{uuid.uuid4().hex[:6]}",
        threads=args.threads,
        max_requests=args.max_requests,
        http_timeout=args.db_timeout * 5 + 10,  # only to notice a hang, never to cut one
    )
    t0 = time.monotonic()
    load.start()
    time.sleep(2)
    down_begin = time.monotonic()
    _cluster(args.pg_version, "stop")
    down = time.monotonic()
    time.sleep(args.outage)
    up_begin = time.monotonic()
    _cluster(args.pg_version, "start")
    _ensure_started(args.pg_version)
    up = time.monotonic()
    deadline = up + args.recovery_limit
    while time.monotonic() < deadline and not any(r.started > up for r in load.acknowledged()):
        time.sleep(0.2)
    time.sleep(3)  # a stretch of normal service after recovery
    results = sorted(load.finish(), key=lambda r: r.started)

    violations = _answers(results, args.db_timeout + SLACK, t0)
    outage = [r for r in results if down <= r.started < up_begin]
    after = [r for r in results if r.started >= up]
    bad = [r for r in after if r.status not in (200, 201)]
    recovered = (bad[-1].started + bad[-1].seconds - up) if bad else 0.0
    if not any(r.status == 503 for r in outage):
        violations.append("no 503 while PostgreSQL was down: the fault was not exercised")
    if not after:
        violations.append("no request after PostgreSQL was back: raise --max-requests")
    elif after[-1].status not in (200, 201) or recovered > args.recovery_limit:
        violations.append(f"did not recover within {args.recovery_limit} s")
    if httpx.get(f"{server.base}/readyz", timeout=10).status_code != 200:
        violations.append("/readyz is not 200 after the outage")
    checked, retried = _writes(http, load, results, violations)

    print(f"requests sent: {len(results)} ({sum(r.kind == 'write' for r in results)} writes)")
    print(f"PostgreSQL stop took {down - down_begin:.2f} s, down for {up_begin - down:.2f} s")
    print(f"requests started while PostgreSQL was down: {len(outage)}")
    print(f"503 answers: {sum(r.status == 503 for r in results)}")
    print(f"answers by status: {dict(Counter(str(r.status or r.error) for r in results))}")
    print(f"max latency during outage: {max((r.seconds for r in outage), default=0):.3f} s")
    print(f"max latency overall: {max((r.seconds for r in results), default=0):.3f} s")
    print(f"recovered after: {recovered:.2f} s (since PostgreSQL answered again)")
    print(f"acknowledged writes checked: {checked}; unacknowledged writes retried: {retried}")
    for line in violations[:10]:
        print(f"VIOLATION: {line}")
    if len(violations) > 10:
        print(f"... {len(violations)} violations in all")
    print("FAILED" if violations else "OK")
    return 1 if violations else 0


def _patient(i: int) -> dict[str, object]:
    mrn = f"DBF-{uuid.uuid4().hex[:10]}-{i}"
    return {"mrn": mrn, "sex": "female", "birth_date": "1960-01-01"}


def _answers(results: list[Sent], budget: float, t0: float) -> list[str]:
    found: list[str] = []
    for r in results:
        what = f"{r.kind} at +{r.started - t0:.2f} s: {r.status or r.error}"
        if r.status is None:
            found.append(f"{what}: no HTTP answer after {r.seconds:.2f} s")
        elif r.status == 503 and (
            r.content_type != "application/problem+json" or not r.retry_after
        ):
            found.append(f"{what}: 503 without problem+json and Retry-After")
        elif r.status not in (200, 201, 503):
            found.append(f"{what}: unexpected status")
        if r.seconds > budget:
            found.append(f"{what}: took {r.seconds:.2f} s > {budget:.2f} s")
    return found


def _writes(
    http: httpx.Client, load: Load, results: list[Sent], violations: list[str]
) -> tuple[int, int]:
    """Acknowledged writes read back whole; refused ones retried by key are stored once."""
    writes = [r for r in results if r.kind == "write"]
    for r in writes:
        if r.record_id is None:
            continue
        got = http.get(f"/v1/lab-results/{r.record_id}")
        if got.status_code != 200:
            violations.append(f"acknowledged write {r.record_id} missing ({got.status_code})")
            continue
        stored = got.json()
        if (stored["value"], stored["external_id"]) != (r.body["value"], r.body["external_id"]):
            violations.append(f"acknowledged write {r.record_id} differs: {stored}")
    refused = [r for r in writes if r.record_id is None]
    expected = {r.record_id for r in writes if r.record_id}
    for r in refused:
        again = http.post(
            f"/v1/patients/{r.patient}/lab-results",
            json=r.body,
            headers={"Idempotency-Key": r.key},
        )
        if again.status_code not in (200, 201):
            violations.append(f"retry of {r.key} answered {again.status_code}")
            continue
        expected.add(str(again.json()["id"]))
    stored_ids = [
        item["id"]
        for patient in load.patients
        for item in all_items(http, f"/v1/patients/{patient}/lab-results")
    ]
    if len(stored_ids) != len(set(stored_ids)) or set(stored_ids) != expected:
        violations.append(
            f"stored lab results {len(stored_ids)} != writes sent {len(writes)} "
            f"(missing {len(expected - set(stored_ids))}, extra {len(set(stored_ids) - expected)})"
        )
    if len(expected) != len(writes):
        violations.append(f"{len(writes)} writes sent, {len(expected)} distinct records")
    return len(writes) - len(refused), len(refused)


if __name__ == "__main__":
    sys.exit(main())
