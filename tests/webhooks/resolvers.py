"""A scripted DNS resolver for the target checks: fixed answers, optionally different ones
from the second lookup on (a rebinding attacker), and a record of every lookup."""

import asyncio
import socket
from collections.abc import Mapping, Sequence


class ScriptedResolver:
    def __init__(
        self,
        answers: Mapping[str, Sequence[str]],
        *,
        later: Mapping[str, Sequence[str]] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.answers = answers
        self.later = later
        self.delay = delay
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        looked_up_before = any(name == host for name, _ in self.calls)
        self.calls.append((host, port))
        if self.delay:
            await asyncio.sleep(self.delay)
        table = self.later if looked_up_before and self.later is not None else self.answers
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]
