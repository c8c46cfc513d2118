"""Where media may be fetched from, and which types and sizes are accepted."""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

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


@dataclass(frozen=True)
class HostPolicy:
    """Hosts that get Twilio credentials, hosts we may be redirected to, trusted private hosts."""

    api_hosts: tuple[str, ...]
    cdn_hosts: tuple[str, ...]
    trusted_private: tuple[str, ...] = ()

    def sends_credentials(self, url: str) -> bool:
        """Basic auth goes only to Twilio's API hosts, never to the CDN it redirects to."""
        return _matches(urlsplit(url).hostname or "", self.api_hosts)

    def check(self, url: str) -> None:
        """Refuse URLs off the allowlist or resolving to private, loopback or link-local IPs."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not host:
            raise MediaRefused(f"not an http(s) URL: {url[:100]}")
        if not _matches(host, self.api_hosts + self.cdn_hosts):
            raise MediaRefused(f"host {host} is not an allowed media host")
        if parts.scheme != "https" and host not in self.trusted_private:
            raise MediaRefused(f"plain http to {host} refused")
        if host not in self.trusted_private:
            for address in _addresses(host):
                if (
                    address.is_private
                    or address.is_loopback
                    or address.is_link_local
                    or address.is_reserved
                ):
                    raise MediaRefused(f"host {host} resolves to non-public address {address}")


def _matches(host: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(host, pattern.lower()) for pattern in patterns)


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise MediaRefused(f"cannot resolve {host}: {error}") from error
    return [ipaddress.ip_address(info[4][0]) for info in infos]


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
