"""One delivery attempt against a real receiver on 127.0.0.1.

The receiver is on loopback, so these tests allow private targets, except the ones that show
such targets are refused (and then the receiver must see nothing).
"""

import json
import logging
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from app.webhooks.delivery import DeliveryOptions, ErrorKind, send
from app.webhooks.secret import WebhookSecret
from app.webhooks.signature import Event, EventType
from tests.support.receiver import HUGE_TOTAL, Receiver
from tests.webhooks import spec_verifier
from tests.webhooks.resolvers import ScriptedResolver

pytestmark = pytest.mark.anyio
LOCAL = DeliveryOptions(allow_private=True)


def make_event() -> Event:
    return Event(
        event_id=uuid.uuid4(),
        event_type=EventType.STATUS_CHANGED,
        occurred_at=datetime.now(UTC),
        patient_id=uuid.uuid4(),
        data={"flag": "remission", "from": "met", "to": "not_met", "effective_date": "2024-05-02"},
    )


async def test_delivered_request_is_signed_and_verifies_with_both_verifiers(
    receiver: Receiver,
) -> None:
    event, secret = make_event(), WebhookSecret.generate()
    attempt = await send(event, receiver.url("/ok"), [secret], LOCAL)

    assert attempt.delivered
    assert (attempt.status_code, attempt.error_kind) == (200, None)
    assert attempt.response_excerpt == '{"ok":true}'
    assert 0 <= attempt.latency_ms < 2000
    [got] = receiver.requests
    assert got.body == event.body()
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"] == LOCAL.user_agent
    assert got.headers["webhook-id"] == str(event.event_id)
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 5
    assert got.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert spec_verifier.verifies(secret.reveal(), got.headers, got.body)
    assert Webhook(secret.reveal()).verify(got.body, got.headers) == json.loads(event.body())


async def test_rotation_sends_both_signatures_each_valid_with_its_secret(
    receiver: Receiver,
) -> None:
    event = make_event()
    current, previous = WebhookSecret.generate(), WebhookSecret.generate()
    attempt = await send(event, receiver.url("/ok"), [current, previous], LOCAL)

    assert attempt.delivered
    [got] = receiver.requests
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (current, previous):
        assert spec_verifier.verifies(secret.reveal(), got.headers, got.body)
        Webhook(secret.reveal()).verify(got.body, got.headers)


async def test_a_retry_carries_the_same_webhook_id_and_body(receiver: Receiver) -> None:
    event, secret = make_event(), WebhookSecret.generate()
    first = await send(event, receiver.url("/fail"), [secret], LOCAL)
    second = await send(event, receiver.url("/ok"), [secret], LOCAL)

    assert (first.delivered, second.delivered) == (False, True)
    failed, delivered = receiver.requests
    assert failed.headers["webhook-id"] == delivered.headers["webhook-id"] == str(event.event_id)
    assert failed.body == delivered.body


async def test_server_error_is_not_delivered(receiver: Receiver) -> None:
    attempt = await send(make_event(), receiver.url("/fail"), [WebhookSecret.generate()], LOCAL)
    assert not attempt.delivered
    assert (attempt.status_code, attempt.error_kind) == (500, ErrorKind.HTTP_STATUS)
    assert attempt.response_excerpt == "receiver broke"


async def test_retry_after_of_the_receiver_is_reported(receiver: Receiver) -> None:
    attempt = await send(make_event(), receiver.url("/busy"), [WebhookSecret.generate()], LOCAL)
    assert (attempt.status_code, attempt.error_kind) == (503, ErrorKind.HTTP_STATUS)
    assert attempt.retry_after == timedelta(seconds=120)


async def test_redirect_is_a_failure_and_is_not_followed(receiver: Receiver) -> None:
    attempt = await send(make_event(), receiver.url("/redirect"), [WebhookSecret.generate()], LOCAL)
    assert not attempt.delivered
    assert (attempt.status_code, attempt.error_kind) == (302, ErrorKind.REDIRECT)
    assert [request.path for request in receiver.requests] == ["/redirect"]


async def test_a_huge_body_is_cut_at_the_cap_and_reading_stops(receiver: Receiver) -> None:
    started = time.monotonic()
    attempt = await send(make_event(), receiver.url("/huge"), [WebhookSecret.generate()], LOCAL)

    assert attempt.delivered
    assert attempt.response_excerpt == "x" * LOCAL.response_excerpt_bytes
    assert time.monotonic() - started < 2
    assert receiver.journal.huge_bytes_written < HUGE_TOTAL  # the client hung up early


async def test_excerpt_is_decoded_safely(receiver: Receiver) -> None:
    secrets = [WebhookSecret.generate()]
    binary = await send(make_event(), receiver.url("/binary"), secrets, LOCAL)
    assert binary.response_excerpt == "ok\ufffd\ufffd\ufffd\ufffd\ufffd[31mé\r\n"
    split = await send(make_event(), receiver.url("/split"), secrets, LOCAL)
    assert split.response_excerpt == "a" * 1023  # half a character is dropped, not garbled


async def test_a_receiver_that_does_not_answer_times_out(receiver: Receiver) -> None:
    options = DeliveryOptions(allow_private=True, read_timeout=0.3)
    started = time.monotonic()
    attempt = await send(make_event(), receiver.url("/hang"), [WebhookSecret.generate()], options)

    assert not attempt.delivered
    assert (attempt.status_code, attempt.error_kind) == (None, ErrorKind.TIMEOUT)
    assert attempt.error_detail == "ReadTimeout"
    assert 0.3 <= time.monotonic() - started < 2
    assert len(receiver.requests) == 1  # it was sent; only the answer never came


async def test_a_trickling_answer_hits_the_total_timeout(receiver: Receiver) -> None:
    options = DeliveryOptions(allow_private=True, read_timeout=5, total_timeout=0.5)
    started = time.monotonic()
    attempt = await send(
        make_event(), receiver.url("/trickle"), [WebhookSecret.generate()], options
    )

    elapsed = time.monotonic() - started
    assert (attempt.error_kind, attempt.error_detail) == (ErrorKind.TIMEOUT, "total_timeout")
    assert 0.5 <= elapsed < 2
    # The exchange, within the attempt: latency_ms is rounded to the millisecond, so it is
    # compared with the elapsed time rounded alike (501.6 ms -> 502 > 501.96 ms unrounded).
    assert 400 <= attempt.latency_ms <= round(elapsed * 1000)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_nobody_listening_is_a_connect_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}/ok"
    attempt = await send(make_event(), url, [WebhookSecret.generate()], LOCAL)
    assert (attempt.delivered, attempt.status_code) == (False, None)
    assert (attempt.error_kind, attempt.error_detail) == (ErrorKind.CONNECT, "ECONNREFUSED")


@pytest.mark.parametrize("path", ["/ok", "/fail"])
async def test_loopback_is_refused_unless_allowed(receiver: Receiver, path: str) -> None:
    strict = DeliveryOptions(allow_private=False)
    secrets = [WebhookSecret.generate()]
    for url in (receiver.url(path, scheme="https"), receiver.url(path)):
        attempt = await send(make_event(), url, secrets, strict)
        assert not attempt.delivered
        assert attempt.error_kind is ErrorKind.REFUSED_TARGET
    resolver = ScriptedResolver({"hooks.example": ["93.184.216.34", "127.0.0.1"]})
    mixed = DeliveryOptions(allow_private=False, resolver=resolver)
    attempt = await send(make_event(), f"https://hooks.example:{receiver.port}/ok", secrets, mixed)
    assert (attempt.error_kind, attempt.error_detail) == (
        ErrorKind.REFUSED_TARGET,
        "non_public_address",
    )
    assert receiver.requests == []


async def test_the_connection_goes_to_the_vetted_address_under_the_hosts_name(
    receiver: Receiver,
) -> None:
    # The second lookup would answer an unroutable address (a rebinding DNS server); the name
    # does not exist outside this resolver, so only the vetted answer can reach the receiver.
    resolver = ScriptedResolver(
        {"receiver.test": ["127.0.0.1"]}, later={"receiver.test": ["192.0.2.1"]}
    )
    options = DeliveryOptions(allow_private=True, resolver=resolver, connect_timeout=1)
    attempt = await send(
        make_event(), receiver.url("/ok", host="receiver.test"), [WebhookSecret.generate()], options
    )

    assert attempt.delivered
    assert resolver.calls == [("receiver.test", receiver.port)]
    [got] = receiver.requests
    assert got.headers["host"] == f"receiver.test:{receiver.port}"


async def test_next_vetted_address_is_tried_when_one_refuses(receiver: Receiver) -> None:
    # 127.0.0.2 is loopback too, but nothing listens there on this port.
    resolver = ScriptedResolver({"receiver.test": ["127.0.0.2", "127.0.0.1"]})
    options = DeliveryOptions(allow_private=True, resolver=resolver)
    attempt = await send(
        make_event(), receiver.url("/ok", host="receiver.test"), [WebhookSecret.generate()], options
    )
    assert attempt.delivered
    assert len(receiver.requests) == 1


async def test_unresolvable_host_is_a_dns_failure(receiver: Receiver) -> None:
    options = DeliveryOptions(allow_private=True, resolver=ScriptedResolver({}))
    attempt = await send(
        make_event(), receiver.url("/ok", host="gone.test"), [WebhookSecret.generate()], options
    )
    assert (attempt.error_kind, attempt.error_detail) == (ErrorKind.DNS, "unresolvable")
    assert receiver.requests == []


async def test_neither_secret_nor_signature_nor_body_is_logged(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    # The service's logging keeps httpx and httpcore at WARNING (app.logs): open them up here,
    # so this shows that even at DEBUG they log none of it.
    for name in ("", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    event, secret = make_event(), WebhookSecret.generate()
    for path in ("/ok", "/fail", "/redirect"):
        await send(event, receiver.url(path), [secret], LOCAL)
    [first, *_] = receiver.requests
    signature = first.headers["webhook-signature"].split(",", 1)[1]
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert caplog.records  # httpx and httpcore did log at DEBUG
    for leak in (secret.reveal().removeprefix("whsec_"), signature, event.body().decode()):
        assert leak not in logged
    assert '"flag"' not in logged
