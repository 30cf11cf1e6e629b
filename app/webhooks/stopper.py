"""Graceful stop for a polling worker (``python -m app deliver``).

The first SIGTERM or SIGINT only asks the loop to stop: the attempt in hand finishes (its own
``total_timeout`` bounds it) and the loop claims nothing new. The handlers are then removed, so
a second signal has its default effect (SIGTERM ends the process, SIGINT raises
``KeyboardInterrupt``); a claim left that way is picked up again by another worker, as after a
crash. Give the container a stop grace period longer than one attempt (30 s by default).

    with Stopper() as stopper:
        while not stopper.stopping:
            claimed = await claim_due_delivery()
            if claimed is None:
                await stopper.sleep(poll_seconds)
            else:
                await deliver(claimed)
"""

import asyncio
import signal
from collections.abc import Iterable
from types import TracebackType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopper:
    """A stop request shared by the loop and the signal handlers of the running event loop."""

    def __init__(self, signals: Iterable[signal.Signals] = STOP_SIGNALS) -> None:
        self._signals = tuple(signals)
        self._requested = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.received: signal.Signals | None = None

    @property
    def stopping(self) -> bool:
        return self._requested.is_set()

    def stop(self) -> None:
        """Ask the loop to stop (what a signal does); idempotent."""
        self._requested.set()
        self.uninstall()

    async def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` or until a stop is asked, whichever comes first; True if stopping."""
        try:
            async with asyncio.timeout(seconds):
                await self._requested.wait()
        except TimeoutError:
            return False
        return True

    def install(self) -> None:
        """Handle the signals on the running loop (call from inside it; Unix only)."""
        loop = asyncio.get_running_loop()
        for signum in self._signals:
            loop.add_signal_handler(signum, self._on_signal, signum)
        self._loop = loop

    def uninstall(self) -> None:
        """Give the signals back to their default handling."""
        if self._loop is None:
            return
        for signum in self._signals:
            self._loop.remove_signal_handler(signum)
        self._loop = None

    def _on_signal(self, signum: signal.Signals) -> None:
        self.received = signum
        self.stop()

    def __enter__(self) -> "Stopper":
        self.install()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()
