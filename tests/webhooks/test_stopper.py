"""Graceful stop: a signal lets the attempt in hand finish, then the loop claims nothing more.

The signals are real (sent to this process); the Stopper's handlers catch them.
"""

import asyncio
import os
import signal
import time

import pytest

from app.webhooks.stopper import Stopper

pytestmark = pytest.mark.anyio


class FakeWorker:
    """A worker loop shaped like ``python -m app deliver``: claim, deliver, sleep when idle."""

    def __init__(self, stopper: Stopper, queue: list[str], signum: signal.Signals) -> None:
        self.stopper, self.queue, self.signum = stopper, queue, signum
        self.delivered: list[str] = []

    async def deliver(self, item: str) -> None:
        if not self.delivered:
            os.kill(os.getpid(), self.signum)  # the stop arrives mid-delivery
        await asyncio.sleep(0.05)
        self.delivered.append(item)

    async def run(self) -> None:
        while not self.stopper.stopping:
            if not self.queue:
                await self.stopper.sleep(0.01)
                continue
            await self.deliver(self.queue.pop(0))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_signal_lets_the_claimed_attempt_finish_and_stops_the_loop(
    signum: signal.Signals,
) -> None:
    queue = ["first", "second", "third"]
    with Stopper() as stopper:
        worker = FakeWorker(stopper, queue, signum)
        await asyncio.wait_for(worker.run(), timeout=2)

    assert worker.delivered == ["first"]  # finished, not cut short
    assert queue == ["second", "third"]  # nothing claimed after the signal
    assert stopper.received == signum
    assert stopper.stopping


async def test_handlers_are_removed_after_the_first_signal() -> None:
    with Stopper() as stopper:
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGTERM)
        await stopper.sleep(1)
        # A second SIGTERM now ends the process the default way (not sent here, of course).
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


async def test_sleep_returns_early_on_stop_and_waits_otherwise() -> None:
    stopper = Stopper()
    started = time.monotonic()
    assert await stopper.sleep(0.05) is False
    assert time.monotonic() - started >= 0.05

    asyncio.get_running_loop().call_later(0.02, stopper.stop)
    started = time.monotonic()
    assert await stopper.sleep(5) is True
    assert time.monotonic() - started < 1
    assert stopper.received is None  # stopped by the program, not a signal


async def test_leaving_the_block_restores_default_handling() -> None:
    with Stopper():
        pass
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
