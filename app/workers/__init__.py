"""Background loops: `python -m app worker` runs every loop in one process, `python -m app
deliver` and `python -m app export` one of them. Loops share one Stopper: the first SIGTERM or
SIGINT asks every loop to stop after the work in hand; a loop that ends or fails asks the
others to stop too, so the process never lives on half-working.

A loop is `async def loop(settings, stopper) -> None`; add it to LOOPS.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from app import logs
from app.config import Settings
from app.webhooks import Stopper
from app.workers import deliver, export

Loop = Callable[[Settings, Stopper], Awaitable[None]]
LOOPS: dict[str, Loop] = {"deliver": deliver.loop, "export": export.loop}


async def run(settings: Settings, loops: Sequence[Loop], stopper: Stopper | None = None) -> None:
    """Run the loops together until they stop; re-raise the first failure after the others
    have stopped. Signals are handled unless a `stopper` is given (tests)."""
    owned = stopper is None
    stopper = stopper or Stopper()
    if owned:
        stopper.install()
    try:
        results = await asyncio.gather(
            *(_stopping_the_others(loop, settings, stopper) for loop in loops),
            return_exceptions=True,
        )
    finally:
        stopper.uninstall()
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _stopping_the_others(loop: Loop, settings: Settings, stopper: Stopper) -> None:
    try:
        await loop(settings, stopper)
    finally:
        stopper.stop()


def main(settings: Settings, names: Sequence[str]) -> int:
    """The command-line entry: JSON logs, the worker's /metrics if a port is set, the loops."""
    logs.configure(settings.log_level)
    if settings.worker_metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, addr=settings.host)
    asyncio.run(run(settings, [LOOPS[name] for name in names]))
    return 0
