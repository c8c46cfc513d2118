"""Where media may be fetched from, and which types and sizes are accepted."""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit, urlunsplit

MB = 1024 * 1024
IMAGE_LIMIT = 5 * MB
MEDIA_LIMIT = 16 * MB

# WhatsApp's accepted media, by content type: extension and the magic bytes that prove it.
KINDS: dict[str, tuple[str, tuple[tuple[int, bytes], ...]]] = {
    "image/jpeg": ("jpg", ((0, b"\xff\xd8\xff"),)),
    "image/png": ("png", ((0, b"\x89PNG\r\n\x1a\n"),)),
    "video/mp4": ("mp4", ((4, b"ftyp"),)),
    "video/3gpp": ("3gp", ((4, b"ftyp3g"),)),
    "audio/mp4": ("m4a", ((4, b"ftyp"),)),
    "audio/aac": ("aac", ((0, b"\xff\xf1"), (0, b"\xff\xf9"))),
    "audio/mpeg": ("mp3", ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2"))),
    "audio/ogg": ("ogg", ((0, b"OggS"),)),
    "audio/amr": ("amr", ((0, b"#!AMR"),)),
    "application/pdf": ("pdf", ((0, b"%PDF-"),)),
}


class MediaRefused(Exception):
    """Media we will not fetch or store; the message is the reason published with the event."""


class TooLarge(MediaRefused):
    """Over a limit of size or length: the customer can send a smaller one."""


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"https": 443, "http": 80}


def resolve(host: str) -> list[Address]:
    """The host's addresses, from the system's resolver."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise MediaRefused(f"cannot resolve {host}: {error}") from error
    return [ipaddress.ip_address(info[4][0]) for info in infos]


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


@dataclass(frozen=True)
class HostPolicy:
    """Hosts that get Twilio credentials, hosts we may be redirected to, trusted private hosts.

    An allowlist entry is a host pattern (`*.twiliocdn.com`), which allows the scheme's default
    port only, or `pattern:port` (`twilio:4010`, `localhost:*`)."""

    api_hosts: tuple[str, ...]
    cdn_hosts: tuple[str, ...]
    trusted_private: tuple[str, ...] = ()
    resolver: Callable[[str], list[Address]] = field(default=resolve, compare=False)

    def sends_credentials(self, url: str) -> bool:
        """Basic auth goes only to Twilio's API hosts, never to the CDN it redirects to."""
        parts = urlsplit(url)
        return _matches(parts.hostname or "", _port(parts), self.api_hosts)

    def check(self, url: str) -> None:
        """Refuse URLs off the allowlist or resolving to private, loopback or link-local IPs."""
        self.pin(url)

    def pin(self, url: str) -> Pinned:
        """Check the URL and resolve its host once: where to connect, pinned (or refuse)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in DEFAULT_PORTS or not host:
            raise MediaRefused(f"not an http(s) URL: {url[:100]}")
        port = _port(parts)
        if not _matches(host, port, self.api_hosts + self.cdn_hosts):
            raise MediaRefused(f"host {host} port {port} is not an allowed media host")
        trusted = host in self.trusted_private
        if parts.scheme != "https" and not trusted:
            raise MediaRefused(f"plain http to {host} refused")
        addresses = self.resolver(host)
        if not addresses:
            raise MediaRefused(f"cannot resolve {host}")
        if not trusted:
            for address in addresses:
                if (
                    address.is_private
                    or address.is_loopback
                    or address.is_link_local
                    or address.is_reserved
                ):
                    raise MediaRefused(f"host {host} resolves to non-public address {address}")
        address = addresses[0]
        literal = f"[{address}]" if address.version == 6 else str(address)
        pinned = parts._replace(netloc=f"{literal}:{port}")
        default = port == DEFAULT_PORTS[parts.scheme]
        return Pinned(
            urlunsplit(pinned),
            host=host if default else f"{host}:{port}",
            sni_hostname=host if parts.scheme == "https" else None,
        )


def _port(parts: SplitResult) -> int:
    return parts.port or DEFAULT_PORTS.get(parts.scheme, 443)


def _matches(host: str, port: int, patterns: tuple[str, ...]) -> bool:
    """`host` on `port` matches a pattern: `name` (default ports only) or `name:port`."""
    for pattern in patterns:
        name, _, allowed = pattern.lower().rpartition(":") if ":" in pattern else (pattern, "", "")
        if not fnmatch.fnmatch(host, name.lower()):
            continue
        if allowed == "" and port in DEFAULT_PORTS.values():
            return True
        if allowed and fnmatch.fnmatch(str(port), allowed):
            return True
    return False


def check_kind(declared: str, head: bytes) -> str:
    """The file extension, if the bytes really are the declared (and accepted) type."""
    kind = KINDS.get(declared.split(";")[0].strip().lower())
    if kind is None:
        raise MediaRefused(f"content type {declared} is not accepted")
    extension, signatures = kind
    if not any(head[offset : offset + len(magic)] == magic for offset, magic in signatures):
        raise MediaRefused(f"bytes are not {declared}")
    return extension


def size_limit(content_type: str) -> int:
    """WhatsApp's limit: 5 MB for images, 16 MB for everything else."""
    return IMAGE_LIMIT if content_type.startswith("image/") else MEDIA_LIMIT
