"""The application factory: settings in, a configured FastAPI app out.

Importing this module builds nothing (no database folder, no migration scripts read):
`python -m app serve` serves through the factory, and `uvicorn app.main:app` gets an app
built on first access from the environment's settings.
"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.telemetry import TelemetryConfig
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__, logs
from app.api import docs, openapi, problems
from app.api.middleware import BodyLimit, RequestContext
from app.api.routes import (
    assessments,
    audit,
    bulk,
    catalog,
    dose_changes,
    fhir,
    fhir_export,
    fhir_outcomes,
    fhir_writes,
    hl7v2,
    infusions,
    lab_results,
    ops,
    patients,
    regimens,
    reports,
    status,
    subscriptions,
    views,
)
from app.config import Settings
from app.db import Database
from app.security import TokenVerifier
from app.services import hl7v2 as hl7v2_service
from app.services.health import schema_head

DESCRIPTION = """Treatment records of rheumatology patients (patients, regimens, infusions,
lab results, assessments), with the status flags computed from them.
Errors are `application/problem+json` (RFC 9457)."""


TELEMETRY_OFF: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


class WeakConfiguration(RuntimeError):
    """The service refuses to serve with these settings (see Settings.serving_problems)."""


def refuse_weak(settings: Settings) -> None:
    found = settings.serving_problems()
    if found:
        raise WeakConfiguration("; ".join(found))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    database = Database.open(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        refuse_weak(settings)
        hl7v2_service.options(settings)  # a wrong TR_HL7_* setting stops the start-up
        logs.configure(settings.log_level)  # serving only: tests keep pytest's handlers
        # Start-up objects (routes, schemas, catalogues) never die: keep the collector off
        # them, and let young garbage pile up longer between collections (fewer pauses).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        yield
        await database.dispose()

    app = FastAPI(
        title="treatment-records",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Off unless asked for: it runs on every request even with no-op providers.
        telemetry=None if settings.opentelemetry else TELEMETRY_OFF,
        servers=[{"url": settings.public_url, "description": "this deployment"}],
        license_info={"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
        contact={"name": "treatment-records maintainers"},
    )
    app.state.settings = settings
    app.state.database = database
    app.state.engine = database.engine
    app.state.sessionmaker = database.sessions
    app.state.verifier = TokenVerifier(settings)
    app.state.schema_head = schema_head()
    problems.install(app)
    for module in (
        patients,
        regimens,
        dose_changes,
        infusions,
        lab_results,
        assessments,
        status,
        views,
        reports,
        catalog,
        audit,
        subscriptions,
        bulk,
        fhir_export,
        hl7v2,
        ops,
        fhir,
        fhir_writes,
    ):
        app.include_router(module.router)
    app.include_router(fhir.well_known)
    fhir_outcomes.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "X-Request-ID",
                "If-None-Exist",
                "Prefer",
            ],
            expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After"],
        )
    # POST /v1/import streams: it limits each of its lines instead of the whole body.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, streamed=(bulk.IMPORT_PATH,))
    app.add_middleware(RequestContext)
    # Outside RequestContext: its 500 under /fhir leaves as an OperationOutcome too.
    app.add_middleware(fhir_outcomes.OutcomeErrors)
    if settings.trusted_proxies:
        # Outermost: X-Forwarded-For is believed only from these peers (none by default).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    openapi.install(app)
    docs.install(app)
    return app


def __getattr__(name: str) -> FastAPI:
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    built = create_app()
    globals()["app"] = built  # built once: later look-ups find the attribute itself
    return built
