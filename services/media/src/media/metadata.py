"""Lossless removal of EXIF/GPS and other metadata from JPEG and PNG files."""

from __future__ import annotations

import struct

# JPEG APP1 (EXIF, XMP), APP13 (IPTC/Photoshop) and COM segments carry metadata.
_JPEG_METADATA = {0xE1, 0xED, 0xFE}
_PNG_METADATA = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}


def strip_metadata(content_type: str, data: bytes) -> bytes:
    """The image without metadata segments; other types unchanged."""
    if content_type == "image/jpeg":
        return _strip_jpeg(data)
    if content_type == "image/png":
        return _strip_png(data)
    return data


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segment = data[position : position + 2 + length]
        if marker not in _JPEG_METADATA:
            out += segment
        position += 2 + length
    out += data[position:]
    return bytes(out)


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    position = 8
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position : position + 12 + length]
        if kind not in _PNG_METADATA:
            out += chunk
        position += 12 + length
    return bytes(out)
