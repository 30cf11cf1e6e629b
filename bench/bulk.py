"""Bulk throughput and memory, against the served service (`python -m app serve`, 2 workers as
the README deploys it; `--workers 1` for one process).

    # import: lab lines/s of POST /v1/import into a fresh, migrated database
    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h_bulk \
        .venv/bin/python -m bench.bulk import
    # export: GET /v1/export and FHIR $export (worker: python -m app export) on a seeded one
    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h_bulk_seed \
        .venv/bin/python -m bench.bulk export

Import lines are bench/courses.py's (the seed's) patients and lab results, named by
patient_mrn; the patients go first and are not timed. Server CPU is the whole process tree's
(supervisor and workers); peak RSS is the largest VmHWM among them (a worker's).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from app import cli_migrate
from app.config import Settings
from app.security import mint_token
from bench.courses import course
from bench.load import cpu_seconds, process_tree
from tests.support.serving import AS_DEPLOYED, Server

SECRET = "bulk-bench-" + "k" * 40
NDJSON = {"Content-Type": "application/x-ndjson"}


def peak_rss_mb(pid: int) -> float:
    """The largest VmHWM of the process and its children (uvicorn's workers)."""
    peak = 0.0
    for each in process_tree(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def _lines(numbers: range, labs: bool) -> Iterator[bytes]:
    for number in numbers:
        made = course(number)
        if not labs:
            yield json.dumps({"type": "patient", **made.patient}).encode() + b"\n"
            continue
        mrn = made.patient["mrn"]
        for lab in made.labs:
            yield json.dumps({"type": "lab_result", "patient_mrn": mrn, **lab}).encode() + b"\n"


def _post(client: httpx.Client, body: list[bytes]) -> dict[str, int]:
    with client.stream("POST", "/v1/import", content=iter(body), headers=NDJSON) as response:
        response.raise_for_status()
        last = b""
        for line in response.iter_lines():
            last = line.encode() if isinstance(line, str) else line
    summary: dict[str, int] = json.loads(last)
    return summary


def bench_import(
    server: Server, token: str, patients: int, first: int, profile: Path | None
) -> None:
    numbers = range(first, first + patients)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:
        made = _post(client, list(_lines(numbers, labs=False)))
        body = list(_lines(numbers, labs=True))
        spy = _py_spy(server.pid, profile) if profile else None
        started, cpu = time.perf_counter(), cpu_seconds(server.pid)
        summary = _post(client, body)
        seconds, cpu = time.perf_counter() - started, cpu_seconds(server.pid) - cpu
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes its profile
            spy.wait(60)
    print(f"patients: {made}")
    print(
        f"import: {summary['lines']} lab lines in {seconds:.1f} s = "
        f"{summary['lines'] / seconds:.0f} lines/s ({summary}); server CPU {cpu:.1f} s = "
        f"{summary['lines'] / cpu:.0f} lines per CPU-second; "
        f"server peak RSS {peak_rss_mb(server.pid):.0f} MB"
    )


def _py_spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy (in the dev lock) sampling the server: raw collapsed stacks into `out`."""
    command = ["py-spy", "record", "--pid", str(pid), "--subprocesses", "--format", "raw"]
    command += ["-o", str(out)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return spy


def bench_export(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=3600) as client:
        started, lines, size = time.perf_counter(), 0, 0
        with client.stream("GET", "/v1/export") as response:
            response.raise_for_status()
            for chunk in response.iter_lines():
                lines, size = lines + 1, size + len(chunk)
        seconds = time.perf_counter() - started
    print(
        f"GET /v1/export: {lines} records ({size / 1e6:.0f} MB) in {seconds:.0f} s = "
        f"{lines / seconds:.0f} records/s; server peak RSS {peak_rss_mb(server.pid):.0f} MB"
    )


def bench_fhir_export(server: Server, token: str, settings: Settings, log: Path) -> None:
    headers = {"Authorization": f"Bearer {token}", "Prefer": "respond-async"}
    env = {"TR_DATABASE_URL": settings.database_url, "TR_JWT_SECRET": SECRET}
    with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:
        kicked = client.get("/fhir/$export")
        kicked.raise_for_status()
        status_url = kicked.headers["content-location"]
        started = time.perf_counter()
        with log.open("ab") as sink:
            worker = subprocess.Popen(
                [sys.executable, "-m", "app", "export"],
                env={**os.environ, **env},
                stdout=sink,
                stderr=sink,
            )
        peak = 0.0
        try:
            while (status := client.get(status_url)).status_code == 202:
                peak = max(peak, peak_rss_mb(worker.pid))
                time.sleep(1)
            peak = max(peak, peak_rss_mb(worker.pid))
        finally:
            worker.terminate()
            worker.wait(30)
        seconds = time.perf_counter() - started
    status.raise_for_status()
    output = status.json()["output"]
    total = sum(file["count"] for file in output)
    counts = ", ".join(f"{file['type']} {file['count']}" for file in output)
    print(
        f"FHIR $export: {total} resources ({counts}) in {seconds:.0f} s = "
        f"{total / seconds:.0f} resources/s; worker peak RSS {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["import", "export"])
    parser.add_argument("--patients", type=int, default=400, help="import: patients' labs")
    parser.add_argument("--first", type=int, default=100_001, help="import: first patient number")
    parser.add_argument("--profile", type=Path, help="import: py-spy's collapsed stacks here")
    parser.add_argument("--workers", type=int, default=2, help="the server's (TR_WORKERS)")
    args = parser.parse_args()
    settings = Settings(jwt_secret=SECRET)
    cli_migrate.upgrade(settings)
    scratch = Path(tempfile.mkdtemp(prefix="tr-bulk-"))
    server = Server(
        settings.database_url,
        SECRET,
        scratch / "server.log",
        workers=args.workers,
        target=AS_DEPLOYED,
    )
    token = mint_token(settings, "bulk-bench", "records:read records:write", 3600)
    server.start()
    try:
        if args.what == "import":
            bench_import(server, token, args.patients, args.first, args.profile)
        else:
            bench_export(server, token)
            bench_fhir_export(server, token, settings, scratch / "worker.log")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
