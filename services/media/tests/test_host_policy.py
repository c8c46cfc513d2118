"""The media allowlist, host and port, and the address a request is pinned to."""

from __future__ import annotations

import ipaddress

import pytest

from media.safety import Address, HostPolicy, MediaRefused

pytestmark = pytest.mark.unit
PUBLIC = ipaddress.ip_address("93.184.216.34")


def policy(*api_hosts: str, resolved: list[Address] | None = None) -> HostPolicy:
    return HostPolicy(
        api_hosts=api_hosts,
        cdn_hosts=("*.twiliocdn.com",),
        resolver=lambda host: resolved if resolved is not None else [PUBLIC],
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.twilio.com/x", True),
        ("https://api.twilio.com:443/x", True),
        ("https://api.twilio.com:8443/x", False),  # a name alone allows the default port only
        ("https://media.twiliocdn.com/x", True),
        ("https://media.twiliocdn.com:22/x", False),
    ],
)
def test_a_host_pattern_allows_the_default_port_only(url: str, allowed: bool) -> None:
    if allowed:
        policy("api.twilio.com").check(url)
    else:
        with pytest.raises(MediaRefused, match="not an allowed media host"):
            policy("api.twilio.com").check(url)


def test_a_pattern_with_a_port_allows_that_port() -> None:
    policy("twilio:4010", "localhost:*").check("https://twilio:4010/x")
    policy("twilio:4010", "localhost:*").check("https://localhost:55123/x")
    with pytest.raises(MediaRefused, match="not an allowed media host"):
        policy("twilio:4010").check("https://twilio:4011/x")


def test_the_request_is_pinned_to_the_address_that_was_checked() -> None:
    lookups: list[str] = []

    def once_public_then_loopback(host: str) -> list[Address]:  # a rebinding name
        lookups.append(host)
        return [PUBLIC] if len(lookups) == 1 else [ipaddress.ip_address("127.0.0.1")]

    rebinding = HostPolicy(
        api_hosts=("api.twilio.com",), cdn_hosts=(), resolver=once_public_then_loopback
    )
    pinned = rebinding.pin("https://api.twilio.com/2010-04-01/Media/ME1?x=1")
    assert pinned.url == "https://93.184.216.34:443/2010-04-01/Media/ME1?x=1"
    assert pinned.host == "api.twilio.com" and pinned.extensions == {
        "sni_hostname": "api.twilio.com"
    }
    assert lookups == ["api.twilio.com"]  # one lookup; the client connects to its answer
    with pytest.raises(MediaRefused, match=r"non-public address 127\.0\.0\.1"):
        rebinding.pin("https://api.twilio.com/again")  # the second answer is checked as well


def test_an_ipv6_address_and_a_port_are_kept() -> None:
    v6 = ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946")
    pinned = policy("api.twilio.com:8443", resolved=[v6]).pin("https://api.twilio.com:8443/m")
    assert pinned.url == f"https://[{v6}]:8443/m" and pinned.host == "api.twilio.com:8443"
