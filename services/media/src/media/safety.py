"""Where media may be fetched from, and which types and sizes are accepted."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from service_runtime import outbound
from service_runtime.outbound import DEFAULT_PORTS, Address, Pinned, UnsafeTarget, pin, port_of

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


def resolve(host: str) -> list[Address]:
    """The host's addresses, from the system's resolver (a failure is a refusal)."""
    try:
        return outbound.resolve(host)
    except UnsafeTarget as error:
        raise MediaRefused(str(error)) from error


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
        return _matches(parts.hostname or "", port_of(parts), self.api_hosts)

    def check(self, url: str) -> None:
        """Refuse URLs off the allowlist or resolving to private, loopback or link-local IPs."""
        self.pin(url)

    def pin(self, url: str) -> Pinned:
        """Check the URL and resolve its host once: where to connect, pinned (or refuse)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in DEFAULT_PORTS or not host:
            raise MediaRefused(f"not an http(s) URL: {url[:100]}")
        port = port_of(parts)
        if not _matches(host, port, self.api_hosts + self.cdn_hosts):
            raise MediaRefused(f"host {host} port {port} is not an allowed media host")
        try:
            return pin(url, trusted_private=self.trusted_private, resolver=self.resolver)
        except UnsafeTarget as error:
            raise MediaRefused(str(error)) from error


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
