"""Whether a voice note is one whole Ogg/Opus stream, and how long it plays, from its headers.

WhatsApp records voice notes as Opus in Ogg (`audio/ogg; codecs=opus`). The type is read from
the bytes, not taken from the webhook: the first page must carry the `OpusHead` header, every
page must be whole, and the last must end the stream (a file cut off in transit ends without
it). The duration is the last page's granule position less the header's pre-skip, in Opus's
48 kHz samples (RFC 7845, sections 4 and 5.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from media.safety import MediaRefused

CAPTURE = b"OggS"
HEADER_BYTES = 27  # a page's fixed header, before its segment table
END_OF_STREAM = 0x04
OPUS_HEAD = b"OpusHead"
OPUS_RATE = 48_000


@dataclass(frozen=True)
class _Page:
    flags: int
    granule: int
    body: bytes


def _pages(data: bytes) -> Iterator[_Page]:
    offset = 0
    while offset < len(data):
        if data[offset : offset + 4] != CAPTURE:
            raise MediaRefused("not an Ogg file" if offset == 0 else "corrupt: no Ogg page here")
        table = offset + HEADER_BYTES
        if table > len(data) or table + data[table - 1] > len(data):
            raise MediaRefused("truncated: a page header is cut off")
        body = table + data[table - 1]
        end = body + sum(data[table:body])
        if end > len(data):
            raise MediaRefused("truncated: a page is cut off")
        granule = int.from_bytes(data[offset + 6 : offset + 14], "little", signed=True)
        yield _Page(flags=data[offset + 5], granule=granule, body=data[body:end])
        offset = end


def opus_seconds(data: bytes) -> float:
    """How long the Ogg/Opus file plays; `MediaRefused` when it is not one whole such file."""
    pages = list(_pages(data))
    if not pages:
        raise MediaRefused("empty audio")
    head = pages[0].body
    if not head.startswith(OPUS_HEAD) or len(head) < 19:
        raise MediaRefused("not Opus audio")
    if not pages[-1].flags & END_OF_STREAM:
        raise MediaRefused("truncated: the stream does not end")
    pre_skip = int.from_bytes(head[10:12], "little")
    return max(0, pages[-1].granule - pre_skip) / OPUS_RATE
