"""Command line: serve, migrate, token, reevaluate, worker, deliver, export, mllp, demo,
openapi, dev-secret."""

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
from datetime import date
from pathlib import Path

from app import cli_migrate
from app.config import Settings
from app.security import SCOPES, mint_token

DEV_SECRET_FILE = Path("var/jwt-secret")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the API with uvicorn (TR_HOST, TR_PORT, TR_WORKERS)")
    sub.add_parser("migrate", help="bring the database schema to the latest migration")
    token = sub.add_parser("token", help="print a token signed with TR_JWT_SECRET")
    token.add_argument("--sub", required=True, help="the caller's identity (audit trail)")
    token.add_argument(
        "--scope",
        default="records:read records:write",
        help=f"space-separated, from: {' '.join(SCOPES)}",
    )
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.add_argument(
        "--org",
        action="append",
        dest="orgs",
        help="an organization the caller may see (repeatable; '*' for the whole group)",
    )
    sub.add_parser("dev-secret", help=f"print (creating if needed) {DEV_SECRET_FILE}")
    sub.add_parser("openapi", help="print the OpenAPI document as YAML (make openapi)")
    again = sub.add_parser("reevaluate", help="refresh every patient's stored flags (daily job)")
    again.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="YYYY-MM-DD (default: today in the clinical time zone)",
    )
    again.add_argument("--batch-size", type=int, default=50, help="patients per transaction")
    sub.add_parser("worker", help="run every background loop (webhook deliveries, exports)")
    sub.add_parser("deliver", help="run the webhook delivery loop alone")
    sub.add_parser("export", help="run the FHIR $export job loop alone")
    sub.add_parser(
        "mllp", help="receive HL7 v2 ORU^R01 over MLLP (TR_MLLP_HOST, TR_MLLP_PORT, TR_MLLP_ORGS)"
    )
    demo = sub.add_parser("demo", help="load synthetic demo patients (migrates first)")
    demo.add_argument(
        "--force", action="store_true", help="even if the database holds other patients"
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(Settings())
    if args.command == "migrate":
        cli_migrate.upgrade(Settings())
        return 0
    if args.command == "token":
        return _token(args.sub, args.scope, args.ttl, args.orgs)
    if args.command == "openapi":
        return _openapi()
    if args.command == "reevaluate":
        return asyncio.run(_reevaluate(Settings(), args.as_of, args.batch_size))
    if args.command == "demo":
        settings = Settings()
        cli_migrate.upgrade(settings)
        return asyncio.run(_demo(settings, args.force))
    if args.command == "mllp":
        return asyncio.run(_mllp(Settings()))
    if args.command in ("worker", "deliver", "export"):
        from app import workers

        names = list(workers.LOOPS) if args.command == "worker" else [args.command]
        return workers.main(Settings(), names)
    print(_dev_secret())
    return 0


async def _reevaluate(settings: Settings, as_of: date | None, batch_size: int) -> int:
    from tqdm import tqdm

    from app.db import Database
    from app.services import reevaluation

    database = Database.open(settings)
    day = as_of or settings.today()
    try:
        total = await reevaluation.count_patients(database, settings)
        with tqdm(total=total, unit="patient", desc=f"re-evaluating as of {day}") as bar:
            done = await reevaluation.reevaluate_all(
                database, settings, as_of=day, batch_size=batch_size, progress=bar.update
            )
        purged = await reevaluation.purge_idempotency_keys(database, settings)
    finally:
        await database.dispose()
    print(f"{done} patients re-evaluated as of {day}; {purged} expired idempotency keys purged")
    return 0


async def _mllp(settings: Settings) -> int:
    """Serve MLLP until SIGTERM or SIGINT: each message goes through the same use case as
    `POST /hl7v2/oru`, as the caller TR_MLLP_SUB (labs:write in TR_MLLP_ORGS)."""
    from app.db import Database
    from app.hl7v2.mllp import current_peer, serve_mllp
    from app.logs import configure
    from app.services import hl7v2
    from app.webhooks import Stopper

    try:
        caller = hl7v2.mllp_caller(settings)
    except ValueError as exc:
        print(f"refusing to listen: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    database = Database.open(settings)

    async def handle(text: str) -> str:
        return await hl7v2.receive_message(database, caller, settings, text, client=current_peer())

    stopper = Stopper()
    stopper.install()
    server = await serve_mllp(handle, settings.mllp_host, settings.mllp_port)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"MLLP listening on {host}:{port}", file=sys.stderr, flush=True)
    try:
        while not await stopper.sleep(3600):
            pass
    finally:
        server.close()
        await server.wait_closed()
        await database.dispose()
    return 0


async def _demo(settings: Settings, force: bool) -> int:
    from app.db import Database
    from app.errors import Conflict
    from app.services import demo

    database = Database.open(settings)
    try:
        loaded = await demo.load(database, settings, force=force)
    except Conflict as exc:
        print(f"refused: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
    created, present = ", ".join(loaded.created), ", ".join(loaded.present)
    print(
        f"demo patients loaded into organization {settings.default_organization!r}: "
        f"{created or 'none'}; already there: {present or 'none'}"
    )
    return 0


def _openapi() -> int:
    import yaml

    from app.main import create_app

    spec = create_app(Settings(_env_file=None)).openapi()
    print(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def _serve(settings: Settings) -> int:
    import uvicorn

    from app.logs import configure

    configure(settings.log_level)
    problems = settings.serving_problems()
    if problems:
        for problem in problems:
            print(f"refusing to serve: {problem}", file=sys.stderr)
        return 2
    if settings.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Each worker is a process: Prometheus' multiprocess mode sums them on /metrics.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tr-metrics-")
    uvicorn.run(
        "app.main:create_app",  # each worker builds its app from the environment's settings
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1: the app decides instead,
        # from TR_TRUSTED_PROXIES (create_app).
        proxy_headers=False,
        timeout_graceful_shutdown=20,
    )
    return 0


def _token(sub: str, scope: str, ttl: int, orgs: list[str] | None) -> int:
    unknown = set(scope.split()) - set(SCOPES)
    if unknown:
        print(f"unknown scope(s): {' '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    try:
        print(mint_token(Settings(), sub, scope, ttl, orgs))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _dev_secret() -> str:
    """A development secret kept under ./var (never used when TR_JWT_SECRET is set)."""
    if not DEV_SECRET_FILE.exists():
        DEV_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEV_SECRET_FILE.write_text(secrets.token_urlsafe(48))
        DEV_SECRET_FILE.chmod(0o600)
    return DEV_SECRET_FILE.read_text().strip()


if __name__ == "__main__":
    sys.exit(main())
