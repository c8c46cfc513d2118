"""What the owner's API routes are given, as FastAPI `Annotated` dependencies: the records,
the media links, the publisher, the bearer check, the filters and the page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Path, Query, Request
from pydantic import AfterValidator

from persistence.media_links import MediaLinks
from persistence.models import Feedback
from persistence.records import FeedbackQuery, FeedbackRecords
from service_runtime.auth import require_bearer
from service_runtime.publishing import Publisher


def _records(request: Request) -> FeedbackRecords:
    records: FeedbackRecords = request.app.state.records  # set by the composition root
    return records


def _links(request: Request) -> MediaLinks:
    links: MediaLinks = request.app.state.media_links
    return links


def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


Records = Annotated[FeedbackRecords, Depends(_records)]
Links = Annotated[MediaLinks, Depends(_links)]
EventPublisher = Annotated[Publisher, Depends(_publisher)]


bearer = require_bearer(lambda request: str(request.app.state.api_secret))
AUTHORIZED = [Depends(bearer)]  # every route of the owner's API


def no_nul(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL: refuse it here (422) rather than fail there (500)."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _utc(value: datetime | None) -> datetime | None:
    """A time in UTC; an offset PostgreSQL cannot take (beyond +-15:59) or a year past 9999
    once in UTC is refused here (422), not there (500)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=15, minutes=59):
        raise ValueError("time zone offset out of range")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range") from None


Text = Annotated[str | None, Query(max_length=300), AfterValidator(no_nul)]


Time = Annotated[datetime | None, AfterValidator(_utc)]


SentimentFilter = Literal["positive", "negative", "neutral", "mixed"] | None


@dataclass(frozen=True)
class Filters:
    """The filters every listing shares: who, what product, when, which topic and sentiment."""

    sender_id: Text = None
    product_name: Text = None
    since: Time = None
    until: Time = None
    topic: Text = None
    sentiment: SentimentFilter = None
    session_id: Text = None  # one feedback, as an alert's link names it

    def query(self, *, limit: int = 50, offset: int = 0) -> FeedbackQuery:
        """The store's query for these filters and a page."""
        return FeedbackQuery(
            self.sender_id,
            self.product_name,
            self.since,
            self.until,
            limit,
            offset,
            self.topic,
            self.sentiment,
            self.session_id,
        )


FeedbackId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def _row(feedback_id: FeedbackId, records: Records) -> Feedback:
    """The row the path names, or 404."""
    row = await asyncio.to_thread(records.get, feedback_id)
    if row is None:
        raise HTTPException(404, f"feedback {feedback_id} not found")
    return row


Row = Annotated[Feedback, Depends(_row)]
Listing = Annotated[Filters, Depends()]


@dataclass(frozen=True)
class Page:
    """Which page of a listing."""

    limit: Annotated[int, Query(ge=1, le=200)] = 50
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0


Paging = Annotated[Page, Depends()]
