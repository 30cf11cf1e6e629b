"""Bounded write + read load from threads against a served app, every answer recorded.

Writes are lab results with an Idempotency-Key and a unique external id, so each one can be
read back by id and retried safely; reads are status evaluations (every table is touched).
"""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Sent:
    kind: str  # "write" or "read"
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no HTTP answer (connection refused, reset, timed out)
    content_type: str = ""
    retry_after: str | None = None
    patient: str = ""
    collection: str = ""  # where the written record is read back: /v1/<collection>/<id>
    key: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    record_id: str | None = None
    error: str = ""


def lab_write(tag: str, n: int) -> dict[str, Any]:
    minute, second = divmod(n % 3600, 60)
    return {
        "test": "crp",
        "value": round(0.01 * (n % 5000) + 0.003, 3),
        "unit": "mg/dL",
        "collected_at": f"2016-05-10T08:{minute:02d}:{second:02d}Z",
        "external_id": f"{tag}-{n}",
    }


class Load:
    """`threads` clients, alternating write and read, until stopped or `max_requests` sent."""

    def __init__(
        self,
        base: str,
        bearer: str,
        patients: list[str],
        tag: str,
        threads: int = 8,
        max_requests: int = 5000,
        http_timeout: float = 30.0,
        pause: float = 0.005,
    ) -> None:
        self.base, self.patients, self.tag = base, patients, tag
        self.headers = {"Authorization": f"Bearer {bearer}"}
        self.http_timeout, self.pause = http_timeout, pause
        self.results: list[Sent] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._budget = max_requests
        self._serial = 0
        self._threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(threads)]

    def start(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def finish(self) -> list[Sent]:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=self.http_timeout + 5)
        return self.results

    def acknowledged(self) -> list[Sent]:
        with self._lock:
            return [r for r in self.results if r.kind == "write" and r.record_id]

    def _next(self) -> int | None:
        with self._lock:
            if self._budget <= 0:
                return None
            self._budget -= 1
            self._serial += 1
            return self._serial

    def _worker(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=self.http_timeout) as c:
            while not self.stop.is_set():
                n = self._next()
                if n is None:
                    return
                patient = self.patients[(n // 2) % len(self.patients)]
                sent = self._write(c, patient, n) if n % 2 else self._read(c, patient)
                with self._lock:
                    self.results.append(sent)
                time.sleep(self.pause)

    def write_for(self, patient: str, n: int) -> tuple[str, str, dict[str, Any]]:
        """The n-th write: (POST path, collection to read it back from, body)."""
        return f"/v1/patients/{patient}/lab-results", "lab-results", lab_write(self.tag, n)

    def _write(self, http: httpx.Client, patient: str, n: int) -> Sent:
        path, collection, body = self.write_for(patient, n)
        key = f"{self.tag}-key-{n}"
        sent = _send(http, "write", "POST", path, body, key)
        sent.patient, sent.collection, sent.key, sent.body = patient, collection, key, body
        return sent

    def _read(self, http: httpx.Client, patient: str) -> Sent:
        sent = _send(http, "read", "GET", f"/v1/patients/{patient}/status", None, None)
        sent.patient = patient
        return sent


def _send(
    http: httpx.Client, kind: str, method: str, path: str, body: Any, key: str | None
) -> Sent:
    headers = {"Idempotency-Key": key} if key else {}
    started = time.monotonic()
    try:
        response = http.request(method, path, json=body, headers=headers)
    except httpx.HTTPError as exc:
        return Sent(kind, started, time.monotonic() - started, None, error=type(exc).__name__)
    sent = Sent(
        kind,
        started,
        time.monotonic() - started,
        response.status_code,
        response.headers.get("content-type", ""),
        response.headers.get("retry-after"),
    )
    if kind == "write" and response.status_code in (200, 201):
        sent.record_id = str(response.json()["id"])
    return sent
