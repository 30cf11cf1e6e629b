"""`python -m app mllp` as deployed: a real socket, the same use case as POST /hl7v2/oru."""

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from hl7.mllp import open_hl7_connection

from tests.hl7v2.messages import CODE_MAP, GESTLAB, er7
from tests.hl7v2.support import labs
from tests.support import factories
from tests.support.clients import ROOT
from tests.support.serving import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def listener(database_url: str) -> AsyncIterator[int]:
    """The command on a free port, once it says it listens; stopped by SIGTERM after."""
    port = free_port()
    env = {
        **os.environ,
        "TR_DATABASE_URL": database_url,
        "TR_MLLP_PORT": str(port),
        "TR_HL7_CODE_MAP": json.dumps(CODE_MAP),
        "TR_HL7_TIMEZONE": "Europe/Madrid",
        "TR_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "mllp", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    async with asyncio.timeout(60):
        while b"MLLP listening" not in (line := await process.stderr.readline()):
            assert line, "the listener exited before listening"
    yield port
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        assert await process.wait() == 0


async def test_each_message_is_stored_and_acknowledged_and_a_resend_gets_the_same_ack(
    listener: int, clinic: httpx.AsyncClient
) -> None:
    patient = await factories.patient(clinic, mrn="NHC0042137")
    reader, writer = await open_hl7_connection("127.0.0.1", listener)

    for _ in range(2):
        writer.writeblock(er7(GESTLAB).encode())
    await writer.drain()
    first, second = await reader.readblock(), await reader.readblock()
    writer.close()

    assert first.decode().split("\r")[1] == "MSA|AA|GL20160115000123|2 results stored"
    assert second == first
    assert len(await labs(clinic, patient["id"])) == 2
    events = (await clinic.get("/v1/audit-events", params={"patient_id": patient["id"]})).json()
    mllp = [
        (e["method"], e["path"], e["status"], e["client"])
        for e in events["items"]
        if e["actor"] == "mllp"
    ]
    assert mllp == [("MLLP", "/hl7v2/oru", 200, "127.0.0.1")] * 2  # the re-send too
