"""Mixed EHR workload against the served service, with the bare ceiling in the same run.

Also a single-patient read and the cohort list by stored flag, each on its own.

    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.load

Needs a seeded database (bench/seed.py) and wrk (Debian package `wrk`). Serves the service
with `python -m app serve` (TR_WORKERS, default 2) and bench/bare.py with uvicorn the same
way, then drives each with wrk (bench/wrk/mixed.lua): the bare ceiling, a single-patient
read, and the mixed workload (70 % reads, 30 % writes), printing throughput, p50/p95/p99
latency, errors and the servers' peak RSS.
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from app.config import Settings
from app.db import create_engine
from app.models import Patient, Regimen
from app.security import mint_token
from tests.support.serving import AS_DEPLOYED, Server

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "wrk" / "mixed.lua"
T = TypeVar("T")


async def sample_ids(settings: Settings, count: int) -> dict[str, list[str]]:
    engine = create_engine(settings)
    async with engine.connect() as conn:
        patients = await conn.execute(select(Patient.id).order_by(Patient.mrn).limit(count))
        regimens = await conn.execute(
            select(Regimen.id)
            .where(Regimen.route == "iv", Regimen.drug == "tocilizumab", Regimen.end_date.is_(None))
            .limit(count)
        )
        ids = {
            "patients": [str(i) for i in patients.scalars()],
            "iv_regimens": [str(i) for i in regimens.scalars()],
        }
    await engine.dispose()
    return ids


def process_tree(pid: int) -> list[int]:
    """A process and its living descendants (uvicorn's supervisor and its workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # it has just ended
        return [pid]
    return [pid, *(each for child in children for each in process_tree(int(child)))]


def rss_mb(root: int) -> float:
    """Resident memory of a process and its descendants (the uvicorn workers), in MB."""
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def peak_rss_during(pid: int, run: Callable[[], T]) -> tuple[T, float]:
    """`run()`'s result and the peak resident memory of `pid` and its descendants meanwhile."""
    peak = [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], rss_mb(pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return run(), peak[0]
    finally:
        stop.set()
        watcher.join()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process and its living descendants have used (a cost that
    what else the machine is doing moves much less than it moves a rate)."""
    total = 0.0
    for each in process_tree(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wrk(
    port: int, mode: str, seconds: int, connections: int, env: dict[str, str]
) -> dict[str, float]:
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{port}",
        ],
        env={**env, "TR_BENCH_MODE": mode},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def report(name: str, r: dict[str, float], ceiling: float, rss: float | None = None) -> None:
    memory = f"  peak RSS {rss:5.0f} MB" if rss is not None else ""
    print(
        f"{name:<16} {r['rps']:7.0f} req/s ({100 * r['rps'] / ceiling:5.1f} % of bare)  "
        f"p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}  p99 {r['p99']:6.1f} ms  "
        f"errors {int(r['errors'])}{memory}"
    )


def _servers(settings: Settings, workers: int, scratch: Path) -> tuple[Server, Server]:
    """The service as deployed and the bare app, served the same way (uvicorn, N workers)."""
    secret = settings.jwt_secret or ""
    # The service logs as deployed (one access line a request): part of what is measured.
    logging = {"TR_LOG_LEVEL": os.environ.get("TR_LOG_LEVEL", "INFO")}
    service = Server(
        settings.database_url,
        secret,
        scratch / "service.log",
        env=logging,
        workers=workers,
        target=AS_DEPLOYED,
    )
    bare = Server(
        settings.database_url,
        secret,
        scratch / "bare.log",
        workers=workers,
        target="bench.bare:app",
        ready_path="/ping",
    )
    return service, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("TR_WORKERS", "2")))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    settings = Settings(jwt_secret="load-" + "k" * 40)
    scratch = Path(tempfile.mkdtemp(prefix="tr-load-"))
    ids = asyncio.run(sample_ids(settings, 2000))
    if not ids["patients"]:
        sys.exit("no patients: seed first (python -m bench.seed)")
    (scratch / "ids.lua").write_text(
        "return {patients = {" + ",".join(f'"{i}"' for i in ids["patients"]) + "}, "
        "iv_regimens = {" + ",".join(f'"{i}"' for i in ids["iv_regimens"]) + "}}\n"
    )
    env = {
        **os.environ,
        "TR_BENCH_IDS": str(scratch / "ids.lua"),
        "TR_BENCH_TOKEN": mint_token(settings, "load-test", "admin", 3600),
    }
    service, bare = _servers(settings, args.workers, scratch)
    try:
        service.start()
        bare.start()
        print(
            f"{settings.async_database_url.split('://')[0]}, {args.workers} workers, "
            f"{args.connections} connections, {args.seconds} s each, wrk 1 thread; "
            f"{len(ids['patients'])} patients sampled"
        )
        ceiling = wrk(bare.port, "bare", args.seconds, args.connections, env)
        report("bare ceiling", ceiling, ceiling["rps"])
        report(
            "patient read",
            wrk(service.port, "read", args.seconds, args.connections, env),
            ceiling["rps"],
        )
        cohort = wrk(service.port, "cohort", args.seconds, args.connections, env)
        report("cohort by flag", cohort, ceiling["rps"])
        mixed, peak = peak_rss_during(
            service.pid, lambda: wrk(service.port, "mixed", args.seconds, args.connections, env)
        )
        report("mixed 70/30", mixed, ceiling["rps"], peak)
    finally:
        service.stop()
        bare.stop()


if __name__ == "__main__":
    main()
