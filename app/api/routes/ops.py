"""Operational endpoints at the root: liveness, readiness, Prometheus metrics."""

from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import api_router
from app.metrics import render
from app.services import health

# Public on purpose (probes and scrapers carry no token): declared as such in the document.
router = api_router(tags=["operations"])
PUBLIC: dict[str, Any] = {"security": []}


@router.get("/healthz", operation_id="getHealth", openapi_extra=PUBLIC)
async def healthz() -> dict[str, str]:
    """The process is alive (the database is not consulted)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="getReadiness",
    openapi_extra=PUBLIC,
    responses={503: {"description": "database unreachable or schema not at the latest migration"}},
)
async def readyz(request: Request) -> Any:
    """The database answers and its schema is at the latest migration."""
    report = await health.readiness(request.app.state.engine, request.app.state.schema_head)
    return JSONResponse(report, status_code=200 if report["status"] == "ready" else 503)


@router.get(
    "/metrics",
    operation_id="getMetrics",
    openapi_extra=PUBLIC,
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency per route template and status, database
    pool usage, rule evaluation time, stored flags by status, the webhook queue."""
    await health.publish_flag_counts(request.app.state.database, request.app.state.settings)
    await health.publish_delivery_queue(request.app.state.database, request.app.state.settings)
    return Response(render(request.app.state.engine), media_type=CONTENT_TYPE_LATEST)
