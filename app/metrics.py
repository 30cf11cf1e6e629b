"""Prometheus metrics (prometheus_client). With several worker processes, set
PROMETHEUS_MULTIPROC_DIR (python -m app serve does) so /metrics sums every worker."""

import os
from collections.abc import Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

REQUESTS = Counter("tr_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "tr_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RULES = Histogram(
    "tr_rules_evaluation_seconds",
    "Time to evaluate one patient's rules",
    ["kind"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
)
STATUS_DOCUMENTS = Counter(
    "tr_status_documents_total",
    "GET .../status as of today: answered with the document kept since the patient's last "
    "change (kept), or evaluated (evaluated)",
    ["outcome"],
)
DERIVED_LOST = Counter(
    "tr_derived_rows_lost_total",
    "Derived rows a read could not keep (status documents): evaluated again when next asked",
)
AUDIT_FAILURES = Counter(
    "tr_audit_failures_total", "Audit events of failed requests that could not be written"
)
# Current values, set when /metrics is scraped (multiprocess: the last writer wins).
FLAGS = Gauge(
    "tr_patient_flags",
    "Patients by stored flag and status",
    ["flag", "status"],
    multiprocess_mode="mostrecent",
)

# Webhooks. The counter and the histogram are the delivery worker's (its own /metrics, see
# TR_WORKER_METRICS_PORT); the queue gauges are read from the database when the API's
# /metrics is scraped: the queue is shared by every worker, any API replica sees all of it,
# and it is reported even when no worker runs (when it matters most).
WEBHOOK_DELIVERIES = Counter(
    "tr_webhook_deliveries_total",
    "Webhook delivery attempts by outcome: delivered, retry (failed, tried again later), "
    "failed (failed at the deadline), expired (deadline passed before an attempt), "
    "claim_lost (another worker took the delivery over)",
    ["outcome"],
)
WEBHOOK_ATTEMPT_SECONDS = Histogram(
    "tr_webhook_attempt_seconds",
    "Time of one webhook attempt, DNS check to the end of the answer's excerpt",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
WEBHOOK_QUEUE_DEPTH = Gauge(
    "tr_webhook_queue_depth",
    "Pending webhook deliveries of active subscriptions",
    multiprocess_mode="mostrecent",
)
WEBHOOK_OLDEST_PENDING = Gauge(
    "tr_webhook_oldest_pending_age_seconds",
    "Age of the oldest pending webhook delivery's event (0: none pending)",
    multiprocess_mode="mostrecent",
)


class PoolCollector(Collector):
    """Connection pool usage of this process's engine, read at scrape time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._pool = engine.sync_engine.pool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self._pool
        for name, read in (
            ("checked_out", "checkedout"),
            ("size", "size"),
            ("overflow", "overflow"),
            ("checked_in", "checkedin"),
        ):
            value = getattr(pool, read, None)
            if callable(value):
                yield GaugeMetricFamily(
                    f"tr_db_pool_{name}", f"database pool: {name}", value=float(value())
                )


def render(engine: AsyncEngine) -> bytes:
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    local = CollectorRegistry()
    local.register(PoolCollector(engine))
    return generate_latest(registry) + generate_latest(local)
