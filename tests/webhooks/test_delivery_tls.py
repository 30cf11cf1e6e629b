"""HTTPS to a pinned address: the TLS server name and the certificate check use the URL's host
name while the connection goes to the vetted IP. A test CA signs a certificate for
``receiver.test`` only; the receiver serves it on 127.0.0.1."""

import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.webhooks.delivery import DeliveryOptions, ErrorKind, send
from app.webhooks.secret import WebhookSecret
from app.webhooks.signature import Event, EventType
from tests.support.receiver import Receiver
from tests.webhooks import spec_verifier
from tests.webhooks.resolvers import ScriptedResolver

pytestmark = pytest.mark.anyio
NAME = "receiver.test"


def certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None = None
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    ca = (
        certificate("webhook test CA", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(ca_usage, True)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        certificate(NAME, server_key, issuer=ca)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(pem(ca))
    paths[1].write_bytes(pem(server))
    paths[2].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_receiver(tls_files: tuple[Path, Path, Path]) -> Iterator[Receiver]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files[1], tls_files[2])
    with Receiver(tls=context) as running:
        yield running


def options(tls_files: tuple[Path, Path, Path], resolver: ScriptedResolver) -> DeliveryOptions:
    trust = ssl.create_default_context(cafile=str(tls_files[0]))
    return DeliveryOptions(allow_private=True, resolver=resolver, tls_context=trust)


def event() -> Event:
    return Event(uuid.uuid4(), EventType.RECORD_CREATED, datetime.now(UTC), uuid.uuid4(), {})


async def test_https_to_the_vetted_ip_uses_the_host_name_for_sni_and_certificate(
    tls_receiver: Receiver, tls_files: tuple[Path, Path, Path]
) -> None:
    resolver = ScriptedResolver({NAME: ["127.0.0.1"]})
    secret = WebhookSecret.generate()
    url = tls_receiver.url("/ok", host=NAME, scheme="https")
    attempt = await send(event(), url, [secret], options(tls_files, resolver))

    assert attempt.delivered, attempt
    assert tls_receiver.journal.server_names == [NAME]
    [got] = tls_receiver.requests
    assert got.headers["host"] == f"{NAME}:{tls_receiver.port}"
    assert spec_verifier.verifies(secret.reveal(), got.headers, got.body)


async def test_certificate_for_another_name_fails_as_tls(
    tls_receiver: Receiver, tls_files: tuple[Path, Path, Path]
) -> None:
    resolver = ScriptedResolver({"other.test": ["127.0.0.1"]})
    url = tls_receiver.url("/ok", host="other.test", scheme="https")
    attempt = await send(event(), url, [WebhookSecret.generate()], options(tls_files, resolver))

    assert not attempt.delivered
    assert (attempt.error_kind, attempt.error_detail) == (
        ErrorKind.TLS,
        "CERTIFICATE_VERIFY_FAILED",
    )
    assert tls_receiver.journal.server_names == ["other.test"]
    assert tls_receiver.requests == []


async def test_an_ip_literal_url_is_checked_against_the_ip_not_skipped(
    tls_receiver: Receiver, tls_files: tuple[Path, Path, Path]
) -> None:
    url = tls_receiver.url("/ok", scheme="https")
    attempt = await send(
        event(), url, [WebhookSecret.generate()], options(tls_files, ScriptedResolver({}))
    )

    assert attempt.error_kind is ErrorKind.TLS
    assert tls_receiver.journal.server_names == [None]  # no address in SNI
    assert tls_receiver.requests == []
