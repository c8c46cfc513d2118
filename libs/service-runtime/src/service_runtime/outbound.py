"""Where a service may send a request whose URL came from outside (a media URL in a webhook,
a destination an owner typed): public addresses only, and pinned to the address checked."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[Address]]
DEFAULT_PORTS = {"https": 443, "http": 80}


class UnsafeTarget(Exception):
    """A URL the service will not send to; the message says why (never the whole URL)."""


def resolve(host: str) -> list[Address]:
    """The host's addresses, from the system's resolver."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise UnsafeTarget(f"cannot resolve {host}: {error}") from error
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def public(address: Address) -> bool:
    """Not private, loopback, link-local (the clouds' metadata address), reserved, multicast
    or unspecified."""
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


@dataclass(frozen=True)
class Pinned:
    """A request's target pinned to the address that was checked: connect to `url` (the
    address in place of the name), send `host` as the Host header, and for https verify the
    certificate against (and send SNI for) `sni_hostname`. The HTTP client never resolves
    the name again, so a name that changes between two lookups (DNS rebinding) cannot lead
    it to an address the check did not see."""

    url: str
    host: str
    sni_hostname: str | None

    @property
    def extensions(self) -> dict[str, str]:
        """httpx's request extensions for the TLS server name."""
        return {"sni_hostname": self.sni_hostname} if self.sni_hostname else {}


def port_of(parts: SplitResult) -> int:
    """The URL's port, or its scheme's default."""
    return parts.port or DEFAULT_PORTS.get(parts.scheme, 443)


def pin(url: str, *, trusted_private: Collection[str] = (), resolver: Resolver = resolve) -> Pinned:
    """Check the URL and resolve its host once: where to connect, pinned (or UnsafeTarget).
    Plain http and non-public addresses only for a host named in `trusted_private`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in DEFAULT_PORTS or not host:
        raise UnsafeTarget("not an http(s) URL")
    trusted = host in trusted_private
    if parts.scheme != "https" and not trusted:
        raise UnsafeTarget(f"plain http to {host} refused: https only")
    port = port_of(parts)
    addresses = resolver(host)
    if not addresses:
        raise UnsafeTarget(f"cannot resolve {host}")
    if not trusted:
        for address in addresses:
            if not public(address):
                raise UnsafeTarget(f"host {host} resolves to non-public address {address}")
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    default = port == DEFAULT_PORTS[parts.scheme]
    return Pinned(
        urlunsplit(parts._replace(netloc=f"{literal}:{port}")),
        host=host if default else f"{host}:{port}",
        sni_hostname=host if parts.scheme == "https" else None,
    )
