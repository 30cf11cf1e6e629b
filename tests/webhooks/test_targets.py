"""Which URLs may receive webhooks: form, resolved addresses, IPv6 and embedded IPv4 forms."""

from ipaddress import ip_address

import pytest

from app.webhooks.addresses import is_public
from app.webhooks.targets import RefusalReason, TargetRefused, check_url, vet_target
from tests.webhooks.resolvers import ScriptedResolver

pytestmark = pytest.mark.anyio

NON_PUBLIC = [
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.10",
    "127.0.0.1",
    "127.9.9.9",
    "169.254.169.254",  # cloud metadata (link-local)
    "0.0.0.0",
    "100.64.0.1",  # shared address space (CGNAT)
    "100.127.255.254",
    "224.0.0.251",  # multicast
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",  # reserved
    "192.0.2.7",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456:789a::1",
    "fec0::1",  # site-local
    "ff02::1",
    "ff0e::1",  # global-scope multicast is still multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::6440:1",  # NAT64 of 100.64.0.1
    "64:ff9b:1::808:808",  # local-use NAT64 prefix
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:10a::1",  # 6to4 of 192.168.1.10
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",  # mapped form of a public address
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8 (DNS64 networks)
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize("text", NON_PUBLIC)
def test_non_public_addresses_are_refused(text: str) -> None:
    assert not is_public(ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text: str) -> None:
    assert is_public(ip_address(text))


def refusal(url: str, *, allow_private: bool = False) -> RefusalReason:
    with pytest.raises(TargetRefused) as refused:
        check_url(url, allow_private=allow_private)
    return refused.value.reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example/x", RefusalReason.SCHEME),
        ("file:///etc/passwd", RefusalReason.SCHEME),
        ("gopher://hooks.example:70/", RefusalReason.SCHEME),
        ("/relative/hook", RefusalReason.SCHEME),
        ("http://hooks.example/x", RefusalReason.HTTPS_REQUIRED),
        ("https://user:pw@hooks.example/x", RefusalReason.USERINFO),
        ("https://token@hooks.example/x", RefusalReason.USERINFO),
        ("https:///no-host", RefusalReason.INVALID_URL),
        ("https://[::1/", RefusalReason.INVALID_URL),
        ("https://0177.0.0.1/", RefusalReason.INVALID_URL),  # octal: httpx refuses to guess
        ("https://hooks.example/" + "a" * 2048, RefusalReason.INVALID_URL),
    ],
)
def test_url_form_is_checked_before_any_lookup(url: str, reason: RefusalReason) -> None:
    assert refusal(url) is reason


def test_plain_http_is_allowed_only_with_allow_private() -> None:
    assert check_url("http://hooks.example/x", allow_private=True).scheme == "http"
    assert refusal("http://user@hooks.example/x", allow_private=True) is RefusalReason.USERINFO


def test_refusal_message_does_not_quote_the_url() -> None:
    with pytest.raises(TargetRefused) as refused:
        check_url("https://user:hunter2@hooks.example/x?token=abc", allow_private=False)
    assert "hunter2" not in str(refused.value)
    assert "token=abc" not in str(refused.value)


async def test_all_public_answers_give_a_vetted_target_with_every_address() -> None:
    resolver = ScriptedResolver({"hooks.example": ["93.184.216.34", "2606:4700:4700::1111"]})
    vetted = await vet_target(
        "https://hooks.example/tr?x=1", allow_private=False, resolver=resolver
    )
    assert vetted.addresses == ("93.184.216.34", "2606:4700:4700::1111")
    assert (vetted.hostname, vetted.port) == ("hooks.example", 443)
    assert resolver.calls == [("hooks.example", 443)]


@pytest.mark.parametrize(
    "answers",
    [
        ["93.184.216.34", "10.0.0.5"],  # one private answer among public ones
        ["10.0.0.5", "93.184.216.34"],
        ["2606:4700:4700::1111", "::1"],
        ["93.184.216.34", "::ffff:127.0.0.1"],
        ["93.184.216.34", "64:ff9b::a9fe:a9fe"],
    ],
)
async def test_any_non_public_answer_refuses_the_target(answers: list[str]) -> None:
    resolver = ScriptedResolver({"hooks.example": answers})
    with pytest.raises(TargetRefused) as refused:
        await vet_target("https://hooks.example/", allow_private=False, resolver=resolver)
    assert refused.value.reason is RefusalReason.NON_PUBLIC_ADDRESS


async def test_allow_private_accepts_mixed_answers() -> None:
    resolver = ScriptedResolver({"hooks.example": ["93.184.216.34", "10.0.0.5"]})
    vetted = await vet_target("http://hooks.example:8080/", allow_private=True, resolver=resolver)
    assert vetted.addresses == ("93.184.216.34", "10.0.0.5")
    assert vetted.port == 8080


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.1:8443/hook",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:7f00:1]/hook",
        "https://[64:ff9b::7f00:1]/hook",
        "https://[2002:7f00:1::1]/hook",
    ],
)
async def test_literal_ip_hosts_are_checked_without_dns(url: str) -> None:
    resolver = ScriptedResolver({})
    with pytest.raises(TargetRefused) as refused:
        await vet_target(url, allow_private=False, resolver=resolver)
    assert refused.value.reason is RefusalReason.NON_PUBLIC_ADDRESS
    assert resolver.calls == []


async def test_literal_public_ip_host_is_its_own_address() -> None:
    vetted = await vet_target("https://[2606:4700:4700::1111]:8443/h", allow_private=False)
    assert vetted.addresses == ("2606:4700:4700::1111",)
    assert vetted.host_header == "[2606:4700:4700::1111]:8443"
    assert vetted.sni_hostname is None  # no address in SNI (RFC 6066)


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hook",
        "https://2130706433/hook",  # 127.0.0.1 as one decimal number
        "https://0x7f000001/hook",
        "https://127.1/hook",
    ],
)
async def test_numeric_and_local_names_are_judged_by_what_they_resolve_to(url: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        await vet_target(url, allow_private=False)  # the system resolver
    assert refused.value.reason is RefusalReason.NON_PUBLIC_ADDRESS


@pytest.mark.parametrize(
    "resolver",
    [
        ScriptedResolver({}),  # NXDOMAIN
        ScriptedResolver({"hooks.example": []}),
        ScriptedResolver({"hooks.example": ["not-an-address"]}),
        ScriptedResolver({"hooks.example": ["93.184.216.34"]}, delay=5),  # too slow
    ],
)
async def test_unresolvable_hosts_are_refused_as_such(resolver: ScriptedResolver) -> None:
    with pytest.raises(TargetRefused) as refused:
        await vet_target(
            "https://hooks.example/", allow_private=False, resolver=resolver, resolve_timeout=0.05
        )
    assert refused.value.reason is RefusalReason.UNRESOLVABLE


async def test_idna_host_is_resolved_sent_and_named_in_ascii() -> None:
    resolver = ScriptedResolver({"xn--bcher-kva.example": ["93.184.216.34"]})
    vetted = await vet_target(
        "https://Bücher.example:8443/x", allow_private=False, resolver=resolver
    )
    assert vetted.host_header == "xn--bcher-kva.example:8443"
    assert vetted.sni_hostname == "xn--bcher-kva.example"
    assert str(vetted.url_for("2001:db8::1")) == "https://[2001:db8::1]:8443/x"
    assert str(vetted.url_for("93.184.216.34")) == "https://93.184.216.34:8443/x"


async def test_plain_http_has_no_sni_and_default_port_stays_out_of_host() -> None:
    resolver = ScriptedResolver({"hooks.example": ["10.0.0.5"]})
    vetted = await vet_target("http://hooks.example:80/x", allow_private=True, resolver=resolver)
    assert (vetted.host_header, vetted.port, vetted.sni_hostname) == ("hooks.example", 80, None)


async def test_sni_name_drops_the_trailing_dot_of_a_fully_qualified_host() -> None:
    resolver = ScriptedResolver({"hooks.example.": ["93.184.216.34"]})
    vetted = await vet_target("https://hooks.example./x", allow_private=False, resolver=resolver)
    assert (vetted.sni_hostname, vetted.host_header) == ("hooks.example", "hooks.example.")
