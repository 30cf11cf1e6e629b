"""A real HTTP(S) receiver on 127.0.0.1 for the delivery tests, in a thread of the test process
(also used by the worker tests and bench.deliveries).

It records every request it gets (path, headers, body, arrival time) and answers by path:
``/ok`` 200, ``/fail`` 500, ``/busy`` 503 with ``Retry-After: 120``, ``/redirect`` 302 to
``/ok``, ``/huge`` an endless 200 body, ``/binary`` bytes that are not clean UTF-8,
``/split`` 1023 ASCII bytes then a two-byte character, ``/hang`` no answer until released,
``/trickle`` one byte every 50 ms; per event (``Webhook-Id``): ``/flaky?fail=N`` 500 to its
first N requests then 200, ``/stall`` no answer to its first request until released, then
200. ``stop()`` and ``start()`` take it down and bring it back on the same port.
"""

import contextlib
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

HUGE_CHUNK = b"x" * 65536
HUGE_TOTAL = 64 * 1024 * 1024


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # arrival (wall clock, seconds)


@dataclass
class Journal:
    """What the receiver saw; written by handler threads, read by the test."""

    requests: list[Received] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)
    huge_bytes_written: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: Counter[str] = field(default_factory=Counter)  # requests per Webhook-Id

    def record(self, request: Received) -> int:
        """Keep the request; how many times its Webhook-Id has come, this one included."""
        with self.lock:
            self.requests.append(request)
            event_id = request.headers.get("webhook-id", "")
            self.seen[event_id] += 1
            return self.seen[event_id]


class Handler(BaseHTTPRequestHandler):
    journal: Journal  # set on a subclass per receiver
    nth = 0  # this request is its event's nth

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.nth = self.journal.record(Received(self.path, headers, body))
        route = ROUTES.get(self.path.split("?")[0], Handler.not_found)
        # The client may stop reading: expected for /huge and the timeouts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def ok(self) -> None:
        self.answer(200, b'{"ok":true}', Content_Type="application/json")

    def fail(self) -> None:
        self.answer(500, b"receiver broke")

    def busy(self) -> None:
        self.answer(503, b"busy", Retry_After="120")

    def redirect(self) -> None:
        self.answer(302, b"", Location="/ok")

    def not_found(self) -> None:
        self.answer(404, b"no such hook")

    def binary(self) -> None:
        self.answer(200, b"ok\x00\x07\xff\xfe\x1b[31m\xc3\xa9\r\n")

    def split(self) -> None:
        self.answer(200, b"a" * 1023 + "é".encode())

    def huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(HUGE_TOTAL))
        self.end_headers()
        while self.journal.huge_bytes_written < HUGE_TOTAL:
            self.wfile.write(HUGE_CHUNK)
            self.journal.huge_bytes_written += len(HUGE_CHUNK)

    def hang(self) -> None:
        self.journal.release.wait(timeout=10)

    def trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(1000):
            if self.journal.release.wait(timeout=0.05):
                return
            self.wfile.write(b".")
            self.wfile.flush()

    def flaky(self) -> None:
        failures = int(parse_qs(urlsplit(self.path).query).get("fail", ["1"])[0])
        if self.nth <= failures:
            self.fail()
        else:
            self.ok()

    def stall(self) -> None:
        if self.nth == 1:
            self.journal.release.wait(timeout=10)
        self.ok()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the journal is the record."""


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/ok": Handler.ok,
    "/fail": Handler.fail,
    "/busy": Handler.busy,
    "/redirect": Handler.redirect,
    "/binary": Handler.binary,
    "/split": Handler.split,
    "/huge": Handler.huge,
    "/hang": Handler.hang,
    "/trickle": Handler.trickle,
    "/flaky": Handler.flaky,
    "/stall": Handler.stall,
}


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops connections when a worker sends a batch at once:
    # they then fail after a SYN retransmit, the receiver's fault, not the sender's.
    request_queue_size = 256


class Receiver:
    """``with Receiver() as receiver:`` serves on 127.0.0.1 (TLS when given a context)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.journal = Journal()
        self._handler = type("BoundHandler", (Handler,), {"journal": self.journal})
        self._tls = tls
        self.port = 0
        self._bind()

    def _bind(self) -> None:
        self.server = _Server(("127.0.0.1", self.port), self._handler)
        self.server.daemon_threads = True
        if self._tls is not None:
            self._tls.sni_callback = self._note_server_name
            self.server.socket = self._tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        # A short poll interval: shutdown() waits for one.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _note_server_name(
        self, connection: ssl.SSLObject, name: str | None, context: ssl.SSLContext
    ) -> None:
        self.journal.server_names.append(name)

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    @property
    def requests(self) -> list[Received]:
        return list(self.journal.requests)

    def start(self) -> None:
        """Serve (again, on the same port, after ``stop()``)."""
        if self.thread.ident is not None:
            self._bind()
        self.thread.start()

    def stop(self) -> None:
        """Down: connections to the port are refused until ``start()``."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> "Receiver":
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.journal.release.set()
        self.stop()
