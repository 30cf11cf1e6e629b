"""No patient identifier or clinical value reaches a log line or an error answer.

A full walk of the API (create, edit, list, status, history, refused writes) with distinctive
names, MRN, external ids, dates and numbers, the service's logging at DEBUG; then each captured
record (its formatted message and every extra field) and each error body is searched for them.
Second, the same walk against the service as deployed (`python -m app serve`, uvicorn with the
service's own log set-up, TR_LOG_LEVEL=DEBUG), searching everything the process printed.
"""

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.logs import JsonFormatter, configure
from tests.support import factories as f
from tests.support.clients import client_with, token
from tests.support.serving import AS_DEPLOYED, Server

pytestmark = pytest.mark.anyio
APP_LOGGERS = ("app", "app.access", "app.errors", "uvicorn", "uvicorn.error", "fastapi")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def secrets_of(tag: str) -> dict[str, str]:
    """Values that only this walk sends: any sighting in a log is a leak."""
    return {
        "mrn": f"MRN-{tag}",
        "given_name": f"Zebedeea{tag}",
        "family_name": f"Quarrington{tag}",
        "new_family_name": f"Vlyssides{tag}",
        "birth_date": "1943-07-19",
        "onset_date": "2001-09-17",
        "infusion_external_id": f"ADM-{tag}",
        "lab_external_id": f"LAB-{tag}",
        "lab_value": "27.913",
        "weight_kg": "61.737",
        "dose_mg": "493.771",
        "patient_global": "37.125",
        "evaluator_global": "41.875",
        "bad_sex": f"SEXVAL{tag}",
        "bad_unit": f"U{tag[:12]}",
    }


async def walk(http: httpx.AsyncClient, s: dict[str, str]) -> list[httpx.Response]:
    """Every kind of call a clinic makes; returns the error answers."""
    errors: list[httpx.Response] = []

    async def call(method: str, path: str, expect: int, **kw: Any) -> httpx.Response:
        response = await http.request(method, path, **kw)
        assert response.status_code == expect, (method, path, response.text)
        if response.status_code >= 400:
            errors.append(response)
        return response

    body = f.patient_body(
        mrn=s["mrn"],
        given_name=s["given_name"],
        family_name=s["family_name"],
        birth_date=s["birth_date"],
        diagnoses=[{"system": "icd10", "code": "M06.9", "onset_date": s["onset_date"]}],
    )
    pid = (await call("POST", "/v1/patients", 201, json=body)).json()["id"]
    patient = f"/v1/patients/{pid}"
    await call("POST", "/v1/patients", 409, json=body)  # duplicate MRN
    await call("POST", "/v1/patients", 422, json={**body, "sex": s["bad_sex"]})
    await call("PATCH", patient, 200, json={"family_name": s["new_family_name"]})
    await call("PATCH", patient, 412, json={"given_name": s["given_name"]}, headers=_if(1))
    await call("GET", "/v1/patients", 200, params={"mrn": s["mrn"]})
    rid = (await call("POST", f"{patient}/regimens", 201, json=f.regimen_body())).json()["id"]
    infusion = f.infusion_body(
        dose_mg=float(s["dose_mg"]),
        weight_kg=float(s["weight_kg"]),
        external_id=s["infusion_external_id"],
    )
    await call("POST", f"/v1/regimens/{rid}/infusions", 201, json=infusion)
    lab = f.lab_body(value=float(s["lab_value"]), external_id=s["lab_external_id"])
    lab_id = (await call("POST", f"{patient}/lab-results", 201, json=lab)).json()["id"]
    await call("POST", f"{patient}/lab-results", 422, json={**lab, "unit": s["bad_unit"]})
    visit = f.assessment_body(
        patient_global=float(s["patient_global"]),
        evaluator_global=float(s["evaluator_global"]),
        weight_kg=float(s["weight_kg"]),
    )
    await call("POST", f"{patient}/assessments", 201, json=visit)
    await call("POST", f"{patient}/assessments", 422, json={**visit, "tender_joints_28": 99})
    for path in ("/status", "/status/history", "/history", "/infusions", "/lab-results"):
        await call("GET", patient + path, 200)
    await call("GET", f"/v1/lab-results/{lab_id}/history", 200)
    await call("DELETE", f"/v1/lab-results/{lab_id}", 200)
    await call("GET", f"/v1/patients/{uuid.uuid4()}", 404)
    await call("GET", "/v1/audit-events", 200)
    return errors


def _if(version: int) -> dict[str, str]:
    return {"If-Match": f'W/"{version}"'}


def leaks(text: str, s: dict[str, str]) -> list[str]:
    return [name for name, value in s.items() if value in text]


def record_text(record: logging.LogRecord) -> str:
    extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    parts = [record.getMessage(), repr(extras), JsonFormatter().format(record)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


@pytest.fixture
def service_logs_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The service's own log set-up at TR_LOG_LEVEL=DEBUG (whatever it pins stays pinned),
    every app logger at DEBUG, SQLAlchemy at INFO (echo=True: statements, hidden parameters;
    its DEBUG prints result rows by design), all captured."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in (*APP_LOGGERS, "sqlalchemy")}
    access_disabled = logging.getLogger("uvicorn.access").disabled
    configure("DEBUG")
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy").setLevel(logging.INFO)
    try:
        yield caplog
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger("uvicorn.access").disabled = access_disabled


async def test_no_patient_data_in_logs_or_error_bodies(
    app: FastAPI, settings: Settings, service_logs_at_debug: pytest.LogCaptureFixture
) -> None:
    s = secrets_of(uuid.uuid4().hex[:16])
    async with client_with(app, token(settings, "admin", sub="privacy-walk")) as http:
        errors = await walk(http, s)

    client_side = ("httpx", "httpcore")  # this test's own HTTP client, not the service
    records = [r for r in service_logs_at_debug.records if not r.name.startswith(client_side)]
    assert any(r.name == "app.access" for r in records), "the access log was not captured"
    found = [(r.name, leaks(record_text(r), s)) for r in records if leaks(record_text(r), s)]
    assert not found, f"patient data in log records: {found[:5]}"
    assert {r.status_code for r in errors} >= {404, 409, 412, 422}
    for response in errors:
        assert response.headers["content-type"] == "application/problem+json"
        assert not leaks(response.text, s), (response.status_code, response.text)


@pytest.mark.slow
async def test_no_patient_data_in_the_served_process_output(
    settings: Settings, tmp_path: Path
) -> None:
    s = secrets_of(uuid.uuid4().hex[:16])
    log = tmp_path / "server.log"
    env = {"TR_LOG_LEVEL": "DEBUG"}
    secret = settings.jwt_secret or ""
    with Server(settings.database_url, secret, log, env=env, target=AS_DEPLOYED) as server:
        headers = {"Authorization": f"Bearer {token(settings, 'admin', sub='privacy-walk')}"}
        async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=30) as http:
            await walk(http, s)
    output = log.read_text(errors="replace")
    assert '"logger": "app.access"' in output, output[-2000:]
    lines = [line for line in output.splitlines() if leaks(line, s)]
    assert not lines, f"patient data in the server output: {lines[:5]}"
