"""Issue 14's table: the service beside the lean probe (../shared/bench/lean_probe.py), in
one run, on one machine, on one PostgreSQL database, each served by uvicorn with the same
number of workers.

    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.seed
    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m bench.probe_compare --seconds 15

Needs a seeded database (bench/seed.py: 10,000 patients of about 100 records each) and wrk.
The probe's tables (lean_*) are created in the same database with as many patients, once.
Calls alternate between the two servers (probe read, service read, probe write, service
write, ...) so that a change in the machine's load falls on both; on a shared machine the
ratios are the numbers to read, not the absolute rates. Each cell also gives the server's
CPU time per request (its whole process tree, during that call): what a request costs,
which the machine's other load moves much less than it moves the rates.

Status is called twice: as of today (answered with the document kept since the patient's
last write, once a first call has evaluated it; the lab call before it outdates some) and as
of yesterday (no document is kept for another day: the rules run every time).
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import func, select

from app.config import Settings
from app.db import create_engine
from app.models import Patient
from app.security import mint_token
from bench.load import ROOT, cpu_seconds, peak_rss_during, sample_ids, wrk
from tests.support.serving import AS_DEPLOYED, Server

PROBE_DIR = ROOT.parent / "shared" / "bench"


async def _patients(settings: Settings) -> int:
    engine = create_engine(settings)
    async with engine.connect() as conn:
        count = int((await conn.execute(select(func.count()).select_from(Patient))).scalar_one())
    await engine.dispose()
    return count


async def _probe_ids(dsn: str, count: int) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT id FROM lean_patient ORDER BY mrn LIMIT $1", count)
    finally:
        await conn.close()
    return [str(row["id"]) for row in rows]


def _probe_setup(probe_dir: Path, dsn: str, patients: int) -> None:
    """The probe's own tables and patients (as many as the service has), if not there yet."""
    subprocess.run(
        [
            sys.executable,
            str(probe_dir / "lean_probe.py"),
            "setup",
            dsn,
            "--patients",
            str(patients),
        ],
        check=True,
    )


def _cell(r: dict[str, float] | None) -> str:
    if r is None:
        return f"{'-':<37}"
    errors = f" ({int(r['errors'])} err)" if r["errors"] else ""
    return f"{r['rps']:6.0f} req/s p99 {r['p99']:4.0f} ms CPU {r['cpu_ms']:5.2f} ms{errors}"


def _ratio(ours: dict[str, float], probe: dict[str, float] | None) -> str:
    if probe is None:
        return "-"
    p99 = ours["p99"] / max(probe["p99"], 0.001)
    cpu = ours["cpu_ms"] / max(probe["cpu_ms"], 0.001)
    return f"{ours['rps'] / probe['rps']:.2f} (p99 {p99:.1f}x, CPU a request {cpu:.1f}x)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("TR_WORKERS", "2")))
    parser.add_argument("--probe-dir", type=Path, default=PROBE_DIR)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    settings = Settings(jwt_secret="load-" + "k" * 40)
    if settings.is_sqlite:
        sys.exit("the probe runs on PostgreSQL only: set TR_DATABASE_URL")
    dsn = settings.async_database_url.replace("postgresql+asyncpg://", "postgresql://")
    patients = asyncio.run(_patients(settings))
    if not patients:
        sys.exit("no patients: seed first (python -m bench.seed)")
    _probe_setup(args.probe_dir, dsn, patients)
    scratch = Path(tempfile.mkdtemp(prefix="tr-probe-"))
    ids = asyncio.run(sample_ids(settings, 2000))
    probe_ids = asyncio.run(_probe_ids(dsn, 2000))

    def lua_list(values: list[str]) -> str:
        return "{" + ",".join(f'"{i}"' for i in values) + "}"

    (scratch / "ids.lua").write_text(
        f"return {{patients = {lua_list(ids['patients'])}, "
        f"iv_regimens = {lua_list(ids['iv_regimens'])}, "
        f"probe_patients = {lua_list(probe_ids)}}}\n"
    )
    env = {
        **os.environ,
        "TR_BENCH_IDS": str(scratch / "ids.lua"),
        "TR_BENCH_TOKEN": mint_token(settings, "load-test", "admin", 3600),
        "TR_BENCH_EVALUATED_AS_OF": (settings.today() - timedelta(days=1)).isoformat(),
    }
    secret = settings.jwt_secret or ""
    service = Server(
        settings.database_url,
        secret,
        scratch / "service.log",
        env={"TR_LOG_LEVEL": os.environ.get("TR_LOG_LEVEL", "INFO")},  # as deployed
        workers=args.workers,
        target=AS_DEPLOYED,
    )
    probe = Server(
        settings.database_url,
        secret,
        scratch / "probe.log",
        env={"PYTHONPATH": str(args.probe_dir), "LEAN_DATABASE_URL": dsn},
        workers=args.workers,
        target="lean_probe:app",
        ready_path=f"/patients/{probe_ids[0]}",
    )

    def load(server: Server, mode: str) -> dict[str, float]:
        """wrk's numbers, and the server's CPU time per request meanwhile (its process tree's:
        a cost the machine's other load does not change, unlike the rate)."""
        before = cpu_seconds(server.pid)
        result = wrk(server.port, mode, args.seconds, args.connections, env)
        result["cpu_ms"] = 1000 * (cpu_seconds(server.pid) - before) / max(result["requests"], 1)
        return result

    try:
        service.start()
        probe.start()
        probe_read = load(probe, "probe-read")
        read = load(service, "read")
        probe_lab = load(probe, "probe-lab")
        lab = load(service, "lab")
        status = load(service, "status")
        evaluated = load(service, "status-evaluated")
        mixed, peak = peak_rss_during(service.pid, lambda: load(service, "mixed"))
    finally:
        service.stop()
        probe.stop()
    print(
        f"PostgreSQL, {args.workers} workers each, {patients} patients, {args.connections} "
        f"connections, {args.seconds} s a call, wrk 1 thread; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"| {'call':<28} | {'service':<37} | {'lean probe':<37} | ratio (p99, CPU ratios)")
    rows = [
        ("patient read (+ audit row)", read, probe_read),
        ("lab-result POST", lab, probe_lab),
        ("status of a patient", status, None),
        ("status as of yesterday", evaluated, None),
        ("mixed 70/30", mixed, None),
    ]
    for name, ours, theirs in rows:
        print(f"| {name:<28} | {_cell(ours)} | {_cell(theirs)} | {_ratio(ours, theirs)}")
    print(
        f"status / probe read: {status['rps'] / probe_read['rps']:.2f} (as of yesterday, "
        f"always evaluated: {evaluated['rps'] / probe_read['rps']:.2f}); "
        f"service peak RSS in the mixed run {peak:.0f} MB ({peak / (args.workers + 1):.0f} MB "
        f"a process, {args.workers} workers and their parent)"
    )


if __name__ == "__main__":
    main()
