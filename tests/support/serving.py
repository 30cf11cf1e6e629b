"""Serve an app with uvicorn in its own process group on a free loopback port, and wait
until it answers. Used by the tests that need a real server, the proofs and bench.load."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from app.config import Settings
from app.security import mint_token

ROOT = Path(__file__).resolve().parents[2]
AS_DEPLOYED = "python -m app serve"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def migrate(database_url: str) -> None:
    """`python -m app migrate`, as an operator runs it."""
    env = {**os.environ, "TR_DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True)


class Server:
    """uvicorn serving `target` (an ASGI app path, or AS_DEPLOYED: `python -m app serve`),
    ready once `ready_path` answers 200; `kill()` sends SIGKILL to its whole process group."""

    def __init__(
        self,
        database_url: str,
        secret: str,
        log: Path,
        env: dict[str, str] | None = None,
        workers: int = 1,
        port: int | None = None,
        target: str = "app.main:app",
        ready_path: str = "/readyz",
    ) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._env = {
            **os.environ,
            "TR_DATABASE_URL": database_url,
            "TR_JWT_SECRET": secret,
            "TR_LOG_LEVEL": "WARNING",
            "TR_HOST": "127.0.0.1",
            "TR_PORT": str(self.port),
            "TR_WORKERS": str(workers),
            **(env or {}),
        }
        self._workers = workers
        self._target = target
        self._ready = f"{self.base}{ready_path}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, ready_within: float = 60) -> "Server":
        if self._target == AS_DEPLOYED:  # the service's own logging set-up, TR_* settings
            command = [sys.executable, "-m", "app", "serve"]
        else:
            command = [sys.executable, "-m", "uvicorn", self._target, "--host", "127.0.0.1"]
            command += ["--port", str(self.port), "--workers", str(self._workers)]
            command += ["--log-level", "warning"]
        with self.log.open("ab") as sink:
            self._process = subprocess.Popen(
                command, cwd=ROOT, env=self._env, stdout=sink, stderr=sink, start_new_session=True
            )
        self.wait_ready(ready_within)
        return self

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    def wait_ready(self, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self._ready, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server not ready after {within} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """kill -9 of the process group: no shutdown handler, no flush, no goodbye."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=30)
        self._process = None

    def stop(self) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self._process = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def all_items(http: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    """Every item of a cursor-paged list."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "500", **({"cursor": cursor} if cursor else {})}
        page = http.get(path, params=query)
        page.raise_for_status()
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def admin_token(secret: str, sub: str) -> str:
    settings = Settings(database_url="sqlite:///unused.db", jwt_secret=secret)
    return mint_token(settings, sub, "admin", ttl_seconds=3600)
