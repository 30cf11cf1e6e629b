"""kill -9 mid-burst: nothing acknowledged is lost, and the stored flags stay true.

    .venv/bin/python -m proofs.crash_safety [--database-url postgresql://...] [--rounds 3]

Serves the app (uvicorn; a new SQLite file unless --database-url), fires a burst of writes
(lab results, assessments, regimens, each with an Idempotency-Key) and status reads from
threads, SIGKILLs the server's whole process group mid-burst, restarts it on the same database
and checks: every write acknowledged with 2xx reads back as sent; the stored flags (cohort
lists) equal a fresh evaluation for every patient written; SQLite passes integrity_check;
nothing but 2xx or 503 was answered before the kill. The unacknowledged writes are then
retried with their keys: afterwards every write sent is stored exactly once, and the flags are
checked again. Exit status 1 on any violation.
"""

import argparse
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import httpx

from app.config import Settings, sqlite_path
from app.schemas.status import FLAG_NAMES, FLAG_STATUSES
from proofs.traffic import Load, Sent
from tests.support.serving import Server, admin_token, all_items, migrate


class Burst(Load):
    """Labs, visits and regimens, dated so that the patients' current flags change mid-burst:
    three failed drugs make a patient refractory, an ongoing prednisone steroid-dependent."""

    def write_for(self, patient: str, n: int) -> tuple[str, str, dict[str, Any]]:
        kind = (n // 2 // len(self.patients)) % 6  # every patient gets every kind
        ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1, seconds=n)
        at = ago.isoformat().replace("+00:00", "Z")
        if kind == 0:
            body = {"test": "crp", "value": round(0.4 * (n % 7), 1), "unit": "mg/dL"}
            body |= {"collected_at": at, "external_id": f"{self.tag}-{n}"}
            return f"/v1/patients/{patient}/lab-results", "lab-results", body
        if kind == 1:
            visit = {"assessed_at": at, "tender_joints_28": n % 3, "swollen_joints_28": n % 2}
            visit |= {"power_doppler": "negative", "weight_kg": 70}
            visit |= {"patient_global": n % 20, "evaluator_global": n % 10}
            return f"/v1/patients/{patient}/assessments", "assessments", visit
        return f"/v1/patients/{patient}/regimens", "regimens", _regimen(kind, n)


DRUGS = {  # kind: (drug, route, dose, interval_days); None: an ongoing glucocorticoid
    2: ("methotrexate", "oral", {"value": 15, "unit": "mg"}, 7),
    3: ("adalimumab", "sc", {"value": 40, "unit": "mg"}, 14),
    4: ("tocilizumab", "iv", {"value": 8, "unit": "mg/kg"}, 28),
}


def _regimen(kind: int, n: int) -> dict[str, Any]:
    start = date.today() - timedelta(days=400 + n)
    if kind not in DRUGS:
        dose = {"value": 10, "unit": "mg/day"}
        return {"drug": "prednisone", "route": "oral", "dose": dose, "start_date": str(start)}
    drug, route, dose, interval = DRUGS[kind]
    end = str(start + timedelta(days=120))
    return {"drug": drug, "route": route, "dose": dose, "interval_days": interval} | {
        "start_date": str(start),
        "end_date": end,
        "discontinuation_reason": "inefficacy",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--patients", type=int, default=6)
    parser.add_argument("--max-requests", type=int, default=4000, help="per round")
    parser.add_argument("--kill-after", type=float, default=1.5, help="seconds into a burst")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--app", default="app.main:app", help="the ASGI app uvicorn serves")
    args = parser.parse_args()
    work = Path(mkdtemp(prefix="tr-crash-"))
    url = args.database_url or f"sqlite:///{work / 'crash.db'}"
    secret = uuid.uuid4().hex * 2
    migrate(url)
    server = Server(url, secret, work / "server.log", workers=args.workers, target=args.app)
    try:
        server.start()
        trial = Trial(args, server, admin_token(secret, "crash-safety"), url)
        for n in range(args.rounds):
            trial.round(n)
    finally:
        server.stop()
    t = trial.totals
    print(f"database: {url.split('@')[-1]}; rounds: {args.rounds}; patients: {args.patients}")
    print(f"requests sent: {t['sent']}; in flight when killed (no answer): {t['in_flight']}")
    print(f"503 (database busy) answers before a kill: {t['busy']}")
    print(f"acknowledged writes checked after restart: {t['acked']}")
    print(
        f"unacknowledged writes retried: {t['retried']}, of which found committed: {t['replayed']}"
    )
    print(f"records checked stored exactly once: {t['stored']}")
    print(f"flag checks: {t['flags']} (patient x flag, stored vs fresh): {dict(trial.seen)}")
    for line in trial.violations[:15]:
        print(f"VIOLATION: {line}")
    print(f"server log: {work / 'server.log'}")
    print("FAILED" if trial.violations else "OK")
    return 1 if trial.violations else 0


class Trial:
    def __init__(self, args: argparse.Namespace, server: Server, bearer: str, url: str) -> None:
        self.args, self.server, self.bearer = args, server, bearer
        self.http = httpx.Client(base_url=server.base, headers=_auth(bearer), timeout=60)
        self.sqlite = sqlite_path(Settings(database_url=url, jwt_secret="-").async_database_url)
        self.patients = [_patient(self.http) for _ in range(args.patients)]
        self.violations: list[str] = []
        self.seen: Counter[str] = Counter()
        self.totals = dict.fromkeys(
            ("sent", "in_flight", "busy", "acked", "retried", "replayed", "stored", "flags"), 0
        )
        self.expected: dict[str, set[str]] = {"lab-results": set(), "assessments": set()}
        self.expected["regimens"] = set()

    def round(self, n: int) -> None:
        results = self._burst_and_kill(f"K{n}{uuid.uuid4().hex[:6]}")
        self._integrity(n)
        self.server.start()
        acked = [r for r in results if r.kind == "write" and r.record_id]
        self.totals["acked"] += len(acked)
        for r in acked:
            self._read_back(r)
        self._flags(f"round {n} after restart")
        for r in (r for r in results if r.kind == "write" and r.record_id is None):
            self._retry(r)
        self._exactly_once(n)
        self._flags(f"round {n} after retries")

    def _burst_and_kill(self, tag: str) -> list[Sent]:
        a = self.args
        burst = Burst(self.server.base, self.bearer, self.patients, tag, a.writers, a.max_requests)
        burst.http_timeout, burst.pause = 10, 0
        burst.start()
        time.sleep(a.kill_after * random.uniform(0.6, 1.4))
        killed = time.monotonic()
        self.server.kill()
        burst.stop.set()
        results = burst.finish()
        if not burst.acknowledged() or len(results) >= a.max_requests:
            self.violations.append(f"{tag}: the kill did not land mid-burst")
        for r in results:
            if r.started >= killed:
                continue  # refused by the dead server: not part of the proof
            self.totals["sent"] += 1
            if r.status is None:
                self.totals["in_flight"] += 1
            elif r.status == 503:
                self.totals["busy"] += 1  # the documented "retry shortly" answer
            elif r.status not in (200, 201):
                self.violations.append(f"{tag}: {r.kind} answered {r.status} before the kill")
        return results

    def _integrity(self, n: int) -> None:
        if self.sqlite is None:
            return
        with sqlite3.connect(self.sqlite) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            self.violations.append(f"round {n}: SQLite integrity_check: {verdict}")

    def _read_back(self, r: Sent) -> None:
        assert r.record_id is not None
        self.expected[r.collection].add(r.record_id)
        got = self.http.get(f"/v1/{r.collection}/{r.record_id}")
        if got.status_code != 200:
            self.violations.append(f"acknowledged {r.collection} {r.record_id} lost")
            return
        stored = got.json()
        for name, value in r.body.items():
            if not name.endswith("_at") and stored.get(name) != value:
                self.violations.append(f"{r.collection} {r.record_id}: {name} changed")

    def _retry(self, r: Sent) -> None:
        path = f"/v1/patients/{r.patient}/{r.collection}"
        again = self.http.post(path, json=r.body, headers={"Idempotency-Key": r.key})
        self.totals["retried"] += 1
        if again.status_code not in (200, 201):
            self.violations.append(f"retry of {r.key}: {again.status_code} {again.text[:200]}")
            return
        self.expected[r.collection].add(str(again.json()["id"]))
        if again.headers.get("idempotent-replayed") == "true":
            self.totals["replayed"] += 1

    def _exactly_once(self, n: int) -> None:
        for collection, expected in self.expected.items():
            ids = [
                item["id"]
                for pid in self.patients
                for item in all_items(self.http, f"/v1/patients/{pid}/{collection}")
            ]
            self.totals["stored"] += len(ids)
            if len(ids) != len(set(ids)) or set(ids) != expected:
                extra, lost = len(set(ids) - expected), len(expected - set(ids))
                self.violations.append(f"round {n}: {collection}: {extra} extra, {lost} lost")

    def _flags(self, when: str) -> None:
        cohorts = {
            (flag, status): {
                p["id"] for p in all_items(self.http, "/v1/patients", flag=flag, flag_status=status)
            }
            for flag in FLAG_NAMES
            for status in FLAG_STATUSES
        }
        for pid in self.patients:
            fresh = self.http.get(f"/v1/patients/{pid}/status").raise_for_status().json()
            for flag in FLAG_NAMES:
                self.totals["flags"] += 1
                self.seen[f"{flag}={fresh[flag]['status']}"] += 1
                stored = [s for s in FLAG_STATUSES if pid in cohorts[(flag, s)]]
                if stored != [fresh[flag]["status"]]:
                    now = fresh[flag]["status"]
                    self.violations.append(f"{when}: {pid} {flag}: stored {stored}, fresh {now}")


def _patient(http: httpx.Client) -> str:
    body = {"mrn": f"CR-{uuid.uuid4().hex[:12]}", "sex": "female", "birth_date": "1960-01-01"}
    return str(http.post("/v1/patients", json=body).raise_for_status().json()["id"])


def _auth(bearer: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer}"}


if __name__ == "__main__":
    sys.exit(main())
