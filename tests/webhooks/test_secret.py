"""Secrets in the Standard Webhooks form, and that they do not leak through repr or logs."""

import base64
import logging
import pickle
from datetime import UTC, datetime, timedelta

import pytest

from app.webhooks.secret import InvalidSecret, WebhookSecret, parse_key, signing_secrets


def whsec(key: bytes, *, padded: bool = True) -> str:
    encoded = base64.b64encode(key).decode()
    return "whsec_" + (encoded if padded else encoded.rstrip("="))


def test_generated_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = WebhookSecret.generate(), WebhookSecret.generate()
    assert first.reveal().startswith("whsec_")
    assert base64.b64decode(first.reveal().removeprefix("whsec_"), validate=True) == first.key
    assert len(first.key) == 32
    assert first != second


@pytest.mark.parametrize("size", [24, 32, 64])
def test_caller_secret_of_24_to_64_bytes_is_accepted(size: int) -> None:
    key = bytes(range(size))
    assert WebhookSecret(whsec(key)).key == key


def test_unpadded_base64_is_accepted_as_the_standard_libraries_do() -> None:
    key = bytes(range(25))  # 25 bytes: base64 ends with "=="
    assert whsec(key).endswith("==")
    assert WebhookSecret(whsec(key, padded=False)).key == key


@pytest.mark.parametrize(
    "value",
    [
        whsec(bytes(23)),  # too short: the standard asks for at least 24 bytes
        whsec(bytes(65)),  # longer than 512 bits
        base64.b64encode(bytes(32)).decode(),  # no prefix
        "WHSEC_" + base64.b64encode(bytes(32)).decode(),
        "whsec_" + base64.urlsafe_b64encode(b"\xfb" * 32).decode(),  # "-" and "_" alphabet
        "whsec_ " + base64.b64encode(bytes(32)).decode(),
        whsec(bytes(32)) + "\n",
        whsec(bytes(32)) + "==",  # padding that does not fit
        "whsec_" + "A" * 33,  # a length base64 cannot have
        "whsec_",
        "",
    ],
)
def test_malformed_secrets_are_refused(value: str) -> None:
    with pytest.raises(InvalidSecret):
        WebhookSecret(value)


def test_refusal_does_not_repeat_the_secret() -> None:
    value = whsec(b"k" * 20)
    with pytest.raises(InvalidSecret) as refused:
        parse_key(value)
    assert value not in str(refused.value)
    assert value.removeprefix("whsec_") not in str(refused.value)


def test_secret_is_hidden_from_repr_str_format_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = WebhookSecret.generate()
    hidden = secret.reveal().removeprefix("whsec_")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("secret %s %r in %s", secret, secret, [secret])
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret]), caplog.text]
    assert all(hidden not in text for text in shown)
    assert "whsec_***" in caplog.text


def test_secret_is_immutable_and_survives_pickling() -> None:
    secret = WebhookSecret.generate()
    with pytest.raises(AttributeError):
        secret._value = whsec(bytes(32))
    copy = pickle.loads(pickle.dumps(secret))
    assert copy == secret
    assert hash(copy) == hash(secret)


def test_both_secrets_sign_during_the_rotation_overlap_only() -> None:
    current, previous = WebhookSecret.generate(), WebhookSecret.generate()
    rotated_at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    overlap = timedelta(hours=24)

    def at(moment: datetime) -> tuple[WebhookSecret, ...]:
        return signing_secrets(current, previous, rotated_at, moment, overlap)

    assert at(rotated_at) == (current, previous)
    assert at(rotated_at + overlap - timedelta(seconds=1)) == (current, previous)
    assert at(rotated_at + overlap) == (current,)
    assert signing_secrets(current, None, None, rotated_at) == (current,)
