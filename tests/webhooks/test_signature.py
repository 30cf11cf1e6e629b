"""Event bodies and their Standard Webhooks headers, checked by two verifiers: one written in
the tests from the specification (spec_verifier) and the standard's own library."""

import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.webhooks.secret import WebhookSecret
from app.webhooks.signature import Event, EventType, signature_headers
from tests.webhooks import spec_verifier


def status_event() -> Event:
    return Event(
        event_id=uuid.uuid4(),
        event_type=EventType.STATUS_CHANGED,
        occurred_at=datetime(2024, 3, 5, 10, 30, tzinfo=timezone(timedelta(hours=2))),
        patient_id=uuid.uuid4(),
        data={"flag": "refractory", "from": "not_met", "to": "met", "effective_date": "2024-03-05"},
    )


def test_body_is_the_contract_shape_in_compact_json() -> None:
    event = status_event()
    body = event.body()
    assert list(json.loads(body)) == ["id", "type", "occurred_at", "patient_id", "data"]
    assert json.loads(body) == {
        "id": str(event.event_id),
        "type": "status.changed",
        "occurred_at": "2024-03-05T08:30:00Z",  # returned in UTC, like the API
        "patient_id": str(event.patient_id),
        "data": dict(event.data),
    }
    assert b" " not in body
    assert event.body() == body  # the same bytes on every retry


def test_body_writes_ids_and_dates_of_data_as_strings() -> None:
    record_id = uuid.uuid4()
    event = Event(
        uuid.uuid4(),
        EventType.RECORD_CREATED,
        datetime.now(UTC),
        uuid.uuid4(),
        {"record_id": record_id, "record_type": "lab_result", "on": date(2024, 1, 2)},
    )
    data = json.loads(event.body())["data"]
    assert data == {"record_id": str(record_id), "record_type": "lab_result", "on": "2024-01-02"}


def test_naive_occurred_at_is_refused() -> None:
    event = Event(uuid.uuid4(), EventType.RECORD_CHANGED, datetime(2024, 1, 1), uuid.uuid4(), {})
    with pytest.raises(ValueError, match="offset"):
        event.body()


def test_one_secret_signature_verifies_with_both_verifiers() -> None:
    event, secret = status_event(), WebhookSecret.generate()
    now = int(time.time())
    headers = signature_headers(event.event_id, now, event.body(), [secret])

    assert headers["Webhook-Id"] == str(event.event_id)
    assert headers["Webhook-Timestamp"] == str(now)
    assert headers["Webhook-Signature"].startswith("v1,")
    assert spec_verifier.verifies(secret.reveal(), headers, event.body())
    parsed = Webhook(secret.reveal()).verify(event.body(), headers)
    assert parsed == json.loads(event.body())


def test_rotation_sends_one_signature_per_secret_each_verifying_with_its_own() -> None:
    event = status_event()
    current, previous, stranger = (WebhookSecret.generate() for _ in range(3))
    now = int(time.time())
    headers = signature_headers(event.event_id, now, event.body(), [current, previous])

    signatures = spec_verifier.signatures({k.lower(): v for k, v in headers.items()})
    assert len(headers["Webhook-Signature"].split(" ")) == 2
    for secret, signature in zip([current, previous], signatures, strict=True):
        expected = spec_verifier.expected_signature(
            secret.reveal(), str(event.event_id), str(now), event.body()
        )
        assert signature == expected
        Webhook(secret.reveal()).verify(event.body(), headers)
    assert not spec_verifier.verifies(stranger.reveal(), headers, event.body())
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger.reveal()).verify(event.body(), headers)


def test_a_changed_body_id_or_timestamp_fails_both_verifiers() -> None:
    event, secret = status_event(), WebhookSecret.generate()
    now = int(time.time())
    headers = signature_headers(event.event_id, now, event.body(), [secret])
    tampered_body = event.body().replace(b"refractory", b"remission!")
    other_id = {**headers, "Webhook-Id": str(uuid.uuid4())}
    other_time = {**headers, "Webhook-Timestamp": str(now - 1)}

    for changed_headers, body in [
        (headers, tampered_body),
        (other_id, event.body()),
        (other_time, event.body()),
    ]:
        assert not spec_verifier.verifies(secret.reveal(), changed_headers, body)
        with pytest.raises(WebhookVerificationError):
            Webhook(secret.reveal()).verify(body, changed_headers)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        signature_headers(uuid.uuid4(), int(time.time()), b"{}", [])
