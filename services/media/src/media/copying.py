"""Copy one media item from Twilio to S3, refusing what WhatsApp would not carry."""

from __future__ import annotations

from collections.abc import Iterator

from feedback_contracts import MediaReference
from feedback_contracts.customers import subject_hash
from media.metadata import strip_metadata
from media.safety import KINDS, MediaRefused, TooLarge, check_kind, size_limit
from media.sink import MediaSink, StoredObject
from media.source import MediaSource

SNIFF_BYTES = 16


def customer_prefix(customer: str) -> str:
    """Where a customer's media live: under their pseudonym, so an erasure lists one prefix."""
    return f"feedback-media/{subject_hash(customer)}/"


def object_key(media: MediaReference, extension: str, customer: str) -> str:
    """`feedback-media/{customer's pseudonym}/{message_sid}/{media_sid}.{ext}`."""
    return f"{customer_prefix(customer)}{media.message_sid}/{media.media_sid}.{extension}"


def copy_media_to_s3(
    media: MediaReference, *, customer: str, source: MediaSource, sink: MediaSink
) -> StoredObject:
    """Stream the file to S3 once; raise `MediaRefused` with the reason when it is not allowed."""
    declared = media.content_type.split(";")[0].strip().lower()
    if declared not in KINDS:
        raise MediaRefused(f"content type {declared} is not accepted")
    existing = sink.find(object_key(media, KINDS[declared][0], customer))
    if existing is not None:
        return existing
    with source.open(media.url) as download:
        served = download.content_type.split(";")[0].strip().lower()
        if served != declared:
            raise MediaRefused(f"Twilio serves {served}, the message said {declared}")
        limit = size_limit(declared)
        if download.length is not None and download.length > limit:
            raise TooLarge(f"{declared} of {download.length} bytes is over {limit} bytes")
        chunks = _limited(download.chunks, limit, declared)
        head = _first_bytes(chunks)
        key = object_key(media, check_kind(declared, head[:SNIFF_BYTES]), customer)
        if declared.startswith("image/"):  # at most 5 MB: strip EXIF/GPS in memory
            image = strip_metadata(declared, head + b"".join(chunks))
            return sink.write(key, declared, [image])
        return sink.write(key, declared, _prepend(head, chunks))


def _limited(chunks: Iterator[bytes], limit: int, content_type: str) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"{content_type} over {limit} bytes")
        yield chunk


def _first_bytes(chunks: Iterator[bytes]) -> bytes:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    return head


def _prepend(head: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from chunks
