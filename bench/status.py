"""Status of one patient with a 20-year and a 40-year history: median and p95 latency.

    .venv/bin/python -m bench.status                 # SQLite in a temp folder
    TR_DATABASE_URL=postgresql://... .venv/bin/python -m bench.status   # a scratch database

Prints the time of GET /v1/patients/{id}/status (in-process ASGI, no network, the app's
lifespan run as when served) and of its parts: loading the rows, evaluating the rules, and
the status history sweep; and the time of a lab-result POST (its write stores the flags as
of today: remission resumed from the result's date, so it should not grow with the history).
"""

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import httpx

from app import cli_migrate, rules
from app.config import Settings
from app.main import create_app
from app.models import Patient
from app.repositories.scope import Scope
from app.security import mint_token
from app.services import clinical_inputs
from bench.history import seed_patient

RUNS = 60


def now() -> str:
    return datetime.now(UTC).isoformat()


async def timed(call: Callable[[], Awaitable[object]], runs: int = RUNS) -> tuple[float, float]:
    for _ in range(5):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


async def measure(years: int, client: httpx.AsyncClient, settings: Settings, app: object) -> None:
    started = time.perf_counter()
    pid = await seed_patient(client, f"BENCH-{uuid.uuid4().hex[:8]}", years)
    seeded = time.perf_counter() - started
    path = f"/v1/patients/{pid}/status"

    async def http() -> object:
        response = await client.get(path, params={"as_of": as_of.isoformat()})
        assert response.status_code == 200
        return response

    sessions = app.state.sessionmaker  # type: ignore[attr-defined]

    as_of = date(2025, 12, 1)

    async def load() -> rules.PatientRecords:
        async with sessions() as session:
            patient = await session.get(Patient, uuid.UUID(pid))
            assert patient is not None
            everyone = Scope.everything()
            return await clinical_inputs.load(
                await session.connection(), everyone, patient, as_of, settings.rules
            )

    records = await load()

    async def evaluate() -> object:
        return rules.evaluate(records, as_of, settings.rules)

    async def history() -> object:
        return rules.status_history(records, as_of, settings.rules)

    async def lab() -> object:
        """A CRP collected now: the write, with the flags it stores as of today."""
        body = {"test": "crp", "value": 2.5, "unit": "mg/L", "collected_at": now()}
        response = await client.post(f"/v1/patients/{pid}/lab-results", json=body)
        assert response.status_code == 201
        return response

    print(
        f"\n{years}-year history seeded through the API in {seeded:.0f} s; the status reads "
        f"{len(records.regimens)} regimens, {len(records.lab_results)} lab results, "
        f"{len(records.assessments)} assessments"
    )
    for name, call in (
        ("GET status", http),
        ("  load rows", load),
        ("  evaluate", evaluate),
        ("status history sweep", history),
        ("POST lab result", lab),
    ):
        median, p95 = await timed(call)
        print(f"  {name:<22} median {median:6.2f} ms   p95 {p95:6.2f} ms")


async def run(settings: Settings) -> None:
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {mint_token(settings, 'bench', 'admin')}"}
    print(f"database: {settings.async_database_url.split('://')[0]}")
    # The app's lifespan runs as when served: its garbage collector settings (start-up
    # objects frozen, fewer young collections) are part of what a request costs; its end
    # disposes of the database's engines.
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as client,
    ):
        for years in (20, 40):
            await measure(years, client, settings, app)


def main() -> None:
    url = os.environ.get("TR_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    # WARNING: the served lifespan's access log would print a line a request here.
    settings = Settings(database_url=url, jwt_secret="bench-" + "s" * 40, log_level="WARNING")
    cli_migrate.upgrade(settings)  # Alembic runs its own event loop: before ours starts
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
