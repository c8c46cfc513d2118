"""Split a reply into WhatsApp-sized parts."""

from __future__ import annotations

TWILIO_BODY_LIMIT = 1600


def split_body(body: str, limit: int = TWILIO_BODY_LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at the last whitespace where there is one."""
    parts: list[str] = []
    rest = body.strip()
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return parts
