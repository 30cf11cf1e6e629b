"""What operators see: the queue gauges on the API's /metrics (read from the database),
the worker's counter of outcomes, and JSON log lines that carry the event id and nothing of
the URL, the secret, the body or the patient."""

import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from app import logs
from app.config import Settings
from app.logs import JsonFormatter
from tests.support import factories as f
from tests.support.clients import client_with
from tests.support.receiver import Receiver
from tests.support.webhooks import subscribe
from tests.support.workers import deliver_until

pytestmark = pytest.mark.anyio


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _gauge(text: str, name: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(f"{name} ")]
    return float(line.split()[1])


async def test_the_queue_gauges_follow_the_pending_deliveries(
    quick: Settings,
    service: FastAPI,
    admin: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(admin, receiver.url("/ok"), events=["record.created"])
    await f.patient(writer)
    await f.patient(writer)
    async with client_with(service, None) as scraper:
        waiting = (await scraper.get("/metrics")).text
        assert _gauge(waiting, "tr_webhook_queue_depth") == 2
        assert _gauge(waiting, "tr_webhook_oldest_pending_age_seconds") > 0
        delivered_before = _sample("tr_webhook_deliveries_total", outcome="delivered")

        await deliver_until(quick, lambda: len(receiver.requests) == 2)

        drained = (await scraper.get("/metrics")).text
    assert _gauge(drained, "tr_webhook_queue_depth") == 0
    assert _gauge(drained, "tr_webhook_oldest_pending_age_seconds") == 0
    assert _sample("tr_webhook_deliveries_total", outcome="delivered") == delivered_before + 2
    assert 'tr_webhook_deliveries_total{outcome="delivered"}' in drained  # this process's


async def test_worker_logs_name_the_event_and_nothing_secret(
    quick: Settings,
    admin: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # the service's default level ...
    logs.quiet_libraries(logging.INFO)  # ... and its library levels (python -m app worker)
    subscription = await subscribe(admin, receiver.url("/flaky?fail=1&token=q-s3cr3t"))
    patient = await f.patient(writer, given_name="Ottilie")
    await deliver_until(quick, lambda: len(receiver.requests) >= 8)  # 4 events, 2 tries each

    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    attempts = [line for line in lines if line["message"] == "delivery attempt"]
    assert {line["event_id"] for line in attempts} == {
        r.headers["webhook-id"] for r in receiver.requests
    }
    assert sorted(line["outcome"] for line in attempts) == ["delivered"] * 4 + ["retry"] * 4
    everything = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    leaks = [
        "q-s3cr3t",
        str(receiver.port),
        subscription["secret"].removeprefix("whsec_"),
        patient["id"],
        patient["mrn"],
        "Ottilie",
        receiver.requests[0].body.decode(),
        receiver.requests[0].headers["webhook-signature"],
    ]
    for leak in leaks:
        assert leak not in everything
