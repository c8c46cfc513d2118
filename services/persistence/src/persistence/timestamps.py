"""Times as the API writes them: RFC 3339 with an offset, always.

PostgreSQL's `timestamptz` comes back with one; SQLite (under `make dev`) drops it, though
every time is stored in UTC, so a time without one is UTC's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def aware(value: datetime) -> datetime:
    """The time with its offset; UTC's when it has none."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def rfc3339(value: datetime) -> str:
    """`2026-12-07T12:00:12Z`, as the JSON of every response writes it."""
    return aware(value).isoformat().replace("+00:00", "Z")


Timestamp = Annotated[datetime, AfterValidator(aware)]
