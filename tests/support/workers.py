"""The delivery worker for tests and bench.deliveries: in this process until a condition
holds, or as `python -m app deliver|worker` processes (their own process group, so `kill()`
is a kill -9 of all of it)."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import workers
from app.config import Settings
from app.webhooks import Stopper
from tests.support.serving import ROOT

POLL_SECONDS = 0.02


async def deliver_until(settings: Settings, done: Callable[[], bool], within: float = 15) -> None:
    """Run the delivery loop here until `done()` (checked every 20 ms) or `within` seconds;
    it then stops the way SIGTERM stops it."""
    stopper = Stopper(signals=())

    async def watch() -> None:
        # Polled: `done` reads a receiver's journal, written by its threads.
        for _ in range(round(within / POLL_SECONDS)):
            if done():
                break
            await asyncio.sleep(POLL_SECONDS)
        stopper.stop()

    await asyncio.gather(workers.run(settings, list(workers.LOOPS.values()), stopper), watch())


def environment(settings: Settings) -> dict[str, str]:
    """The TR_ variables that give a worker process these settings' database and webhooks."""
    names = [name for name in Settings.model_fields if name.startswith("webhook_")]
    values: dict[str, Any] = {name: getattr(settings, name) for name in names}
    env = {
        f"TR_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in values.items()
    }
    return {
        **env,
        "TR_DATABASE_URL": settings.database_url,
        "TR_TENANCY": str(settings.tenancy).lower(),
    }


class WorkerProcess:
    """`python -m app <command>` with `settings`, its output in `log`."""

    def __init__(self, settings: Settings, log: Path, command: str = "deliver") -> None:
        self.log = log
        self._command = command
        self._env = {**os.environ, **environment(settings), "TR_LOG_LEVEL": "INFO"}
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "WorkerProcess":
        with self.log.open("ab") as sink:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "app", self._command],
                cwd=ROOT,
                env=self._env,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        return self

    @property
    def process(self) -> "subprocess.Popen[bytes]":
        assert self._process is not None, "not started"
        return self._process

    def kill(self) -> None:
        """kill -9 of its process group: no goodbye, its claims stay taken until the lease."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, within: float = 30) -> int:
        """SIGTERM; its exit status once it has stopped."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=within)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                self.kill()
