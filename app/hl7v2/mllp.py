"""MLLP framing for a `python -m app mllp` listener: python-hl7's asyncio streams, with the
same handler as `POST /hl7v2/oru` behind them (text in, ACK out)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hl7.mllp import HL7StreamReader, HL7StreamWriter, InvalidBlockError, start_hl7_server

from app.hl7v2.ack import undecodable_ack

Handler = Callable[[str], Awaitable[str]]
# Larger than asyncio's 64 KiB default: results may carry long reports.
DEFAULT_LIMIT = 1024 * 1024
logger = logging.getLogger(__name__)


async def serve_mllp(
    handler: Handler,
    host: str,
    port: int,
    *,
    encoding: str = "utf-8",
    limit: int = DEFAULT_LIMIT,
) -> asyncio.Server:
    """Listen for MLLP blocks (0x0b ... 0x1c 0x0d); each is one message for `handler`, whose
    ACK goes back in a block. One message at a time per connection, as MLLP senders expect.
    A block that is not valid `encoding` is answered with an AR; a stream that is not MLLP
    or exceeds `limit` is closed (its framing can no longer be trusted)."""

    async def connected(reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        try:
            while (block := await _next_block(reader)) is not None:
                ack = await _answer(block, handler, encoding)
                writer.writeblock(ack.encode(encoding))
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


async def _answer(block: bytes, handler: Handler, encoding: str) -> str:
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError:
        return undecodable_ack(encoding)
    return await handler(text)
