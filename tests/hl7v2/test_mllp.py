"""The MLLP listener over a real local socket, with a stand-in for the service's handler."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import hl7
import pytest
from hl7.mllp import open_hl7_connection

from app.hl7v2 import Unparseable, parse_oru, reject_ack, result_ack
from app.hl7v2.mllp import current_peer, serve_mllp
from tests.hl7v2.messages import GESTLAB, SYNLAB, er7, options

pytestmark = pytest.mark.anyio
Handler = Callable[[str], Awaitable[str]]
Listen = Callable[..., Awaitable[int]]


async def stand_in(text: str) -> str:
    """What the service does, minus the database: every result counts as stored."""
    try:
        message = parse_oru(text, options())
    except Unparseable as exc:
        return reject_ack(exc)
    return result_ack(message, len(message.results), message.errors)


async def failing(text: str) -> str:
    raise RuntimeError(f"database down while storing {text}")


@pytest.fixture
async def listen() -> AsyncIterator[Listen]:
    """Starts listeners on free local ports; closes them after the test."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler, limit: int = 1 << 20) -> int:
        server = await serve_mllp(handler, "127.0.0.1", 0, limit=limit)
        servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def msa(ack: bytes) -> list[str]:
    message = hl7.parse(ack.decode())
    return [str(message.extract_field("MSA", 1, n)) for n in (1, 2)]


async def test_each_block_gets_its_ack_in_order_on_one_connection(listen: Listen) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", await listen(stand_in))

    for text in (er7(GESTLAB), er7(SYNLAB, "\n")):
        writer.writeblock(text.encode())
    await writer.drain()
    first, second = await reader.readblock(), await reader.readblock()
    writer.close()

    assert msa(first) == ["AA", "GL20160115000123"]
    assert msa(second) == ["AA", "SYN-7781920"]


async def test_garbage_in_a_block_gets_an_ar(listen: Listen) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", await listen(stand_in))

    writer.writeblock(b"not HL7")
    await writer.drain()
    ack = await reader.readblock()
    writer.close()

    assert msa(ack) == ["AR", ""]


async def test_a_block_in_the_set_its_msh18_declares_is_read_and_answered_in_it(
    listen: Listen,
) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", await listen(stand_in))

    writer.writeblock(er7(GESTLAB).replace("MARIA", "MAR\u00cdA").encode("latin-1"))  # 8859/1
    await writer.drain()
    ack = await reader.readblock()
    writer.close()

    assert msa(ack) == ["AA", "GL20160115000123"]


async def test_a_block_that_is_not_the_utf8_it_declares_gets_an_ar(listen: Listen) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", await listen(stand_in))

    writer.writeblock(er7(SYNLAB).replace("MARIA", "MAR\u00cdA").encode("latin-1"))
    await writer.drain()
    ack = hl7.parse((await reader.readblock()).decode())
    writer.close()

    assert str(ack.extract_field("MSA", 1, 1)) == "AR"
    assert str(ack.extract_field("ERR", 1, 3)) == "102"
    assert str(ack.extract_field("ERR", 1, 8)) == "the message is not UTF-8"


@pytest.mark.parametrize(
    "data",
    [
        b"MSH|^~\\&|no start block\x1c\r",
        b"\x0b" + b"X" * 2048 + b"\x1c\r",  # over the limit
    ],
)
async def test_a_stream_that_is_not_mllp_is_closed(listen: Listen, data: bytes) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", await listen(stand_in, limit=1024))

    writer.write(data)
    await writer.drain()
    with pytest.raises(asyncio.IncompleteReadError):
        await reader.readblock()
    writer.close()


async def test_a_failing_handler_closes_the_connection_and_logs_no_content(
    listen: Listen, caplog: pytest.LogCaptureFixture
) -> None:
    reader, writer = await open_hl7_connection("127.0.0.1", await listen(failing))

    writer.writeblock(er7(GESTLAB).encode())
    await writer.drain()
    with pytest.raises(asyncio.IncompleteReadError):
        await reader.readblock()
    writer.close()

    assert "RuntimeError" in caplog.text
    assert "GESTLAB" not in caplog.text


async def test_the_handler_knows_the_peer_it_answers(listen: Listen) -> None:
    peers: list[str | None] = []

    async def noting_the_peer(text: str) -> str:
        peers.append(current_peer())
        return await stand_in(text)

    reader, writer = await open_hl7_connection("127.0.0.1", await listen(noting_the_peer))
    writer.writeblock(er7(GESTLAB).encode())
    await writer.drain()
    await reader.readblock()
    writer.close()

    assert peers == ["127.0.0.1"]
    assert current_peer() is None  # the connection's own, not the listener's
