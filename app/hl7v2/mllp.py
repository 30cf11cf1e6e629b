"""MLLP framing for a `python -m app mllp` listener: python-hl7's asyncio streams, with the
same handler as `POST /hl7v2/oru` behind them (text in, ACK out)."""

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable

from hl7.mllp import HL7StreamReader, HL7StreamWriter, InvalidBlockError, start_hl7_server

from app.hl7v2.ack import undecodable_ack
from app.hl7v2.charset import declared_encoding

Handler = Callable[[str], Awaitable[str]]
# Larger than asyncio's 64 KiB default: results may carry long reports.
DEFAULT_LIMIT = 1024 * 1024
logger = logging.getLogger(__name__)
# The sending peer's IP address, for the handler of the connection's messages (its audit).
_peer: contextvars.ContextVar[str | None] = contextvars.ContextVar("mllp_peer", default=None)


def current_peer() -> str | None:
    """The IP address of the peer whose message the handler is answering."""
    return _peer.get()


async def serve_mllp(
    handler: Handler,
    host: str,
    port: int,
    *,
    encoding: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> asyncio.Server:
    """Listen for MLLP blocks (0x0b ... 0x1c 0x0d); each is one message for `handler`, whose
    ACK goes back in a block. One message at a time per connection, as MLLP senders expect.
    A block is read, and its ACK written, in `encoding`: by default the character set its
    MSH-18 declares (UTF-8 when it declares none). A block that is not valid text in it is
    answered with an AR; a stream that is not MLLP or exceeds `limit` is closed (its
    framing can no longer be trusted)."""

    async def connected(reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        _peer.set(str(peer[0]) if isinstance(peer, tuple) and peer else None)  # this task's
        try:
            while (block := await _next_block(reader)) is not None:
                writer.writeblock(await _answer(block, handler, encoding))
                await writer.drain()
        except Exception as exc:
            # The sender gets no ACK and sends again, as after any lost connection; the
            # exception's text may hold message content, so only its type is logged.
            logger.error("MLLP handler failed: %s; connection closed", type(exc).__name__)
        finally:
            writer.close()

    server: asyncio.Server = await start_hl7_server(connected, host, port, limit=limit)
    return server


async def _next_block(reader: HL7StreamReader) -> bytes | None:
    try:
        block: bytes = await reader.readblock()
    except asyncio.IncompleteReadError:
        return None  # the sender closed the connection
    except (InvalidBlockError, ValueError) as exc:
        logger.warning("MLLP connection closed: %s", type(exc).__name__)
        return None
    return block


async def _answer(block: bytes, handler: Handler, encoding: str | None) -> bytes:
    encoding = encoding or declared_encoding(block)
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError:
        return undecodable_ack(encoding).encode(encoding)
    # The ACK echoes the sender's MSH, which is text in this set: it encodes back.
    return (await handler(text)).encode(encoding, errors="replace")
