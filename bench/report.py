"""Time the case-series report over a seeded database (bench/seed.py), through the app in
this process: the JSON, the CSV and the Kaplan-Meier SVG, each answered end to end.

    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.report

The report reads the cohort's stored inputs in one pass (three statements: patients, regimens,
stored remission histories), so its time grows with those rows, never with one status
evaluation per patient. The CPU time printed beside each request is this process's (the
service's), apart from the database's and from other load on the machine.
"""

import argparse
import asyncio
import statistics
import time

import httpx

from app.config import Settings
from app.main import create_app
from app.security import mint_token

ROUTES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("json", "/v1/reports/case-series", {}),
    ("csv", "/v1/reports/case-series", {"Accept": "text/csv"}),
    ("km.svg", "/v1/reports/case-series/km.svg", {}),
)


async def _time(rounds: int, as_of: str | None) -> None:
    settings = Settings()
    app = create_app(settings)
    bearer = mint_token(settings, "bench-report", "records:read")
    params = {"drug": "tocilizumab", **({"as_of": as_of} if as_of else {})}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", timeout=120
    ) as client:
        client.headers["Authorization"] = f"Bearer {bearer}"
        first = (await client.get(ROUTES[0][1], params=params)).json()  # warms the pool
        print(
            f"{first['summary']['patients']} patients on tocilizumab, "
            f"{first['summary']['reached_remission']} reached remission"
        )
        for name, path, headers in ROUTES:
            seconds, cpu = [], []
            for _ in range(rounds):
                started, used = time.perf_counter(), time.process_time()
                response = await client.get(path, params=params, headers=headers)
                seconds.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
                response.raise_for_status()
            print(
                f"{name:7} median {statistics.median(seconds):.2f} s, "
                f"max {max(seconds):.2f} s over {rounds} requests "
                f"(the service's own CPU: median {statistics.median(cpu):.2f} s)"
            )
    await app.state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
    args = parser.parse_args()
    asyncio.run(_time(args.rounds, args.as_of))


if __name__ == "__main__":
    main()
