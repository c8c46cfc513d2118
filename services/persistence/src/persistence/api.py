"""The read API: `GET /feedback` and `GET /feedback/{id}`, behind the API bearer token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict

from persistence.media_links import MediaLinks
from persistence.models import Feedback
from persistence.records import FeedbackRecords
from persistence.store import FeedbackQuery
from service_runtime.auth import require_bearer


class TagsOut(BaseModel):
    """What the feedback is about, by the business's taxonomy (from the insights service)."""

    model_config = ConfigDict(from_attributes=True)

    topics: list[str]
    sentiment: str
    summary: str
    tagger: str
    taxonomy_version: int
    tagged_at: datetime


class FeedbackOut(BaseModel):
    """One feedback row as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    session_id: str
    sender_id: str
    product_name: str
    feedback_text: str
    media_urls: list[str]
    completed_at: datetime | None
    llm_model: str | None
    llm_input_tokens: int
    llm_output_tokens: int
    llm_cost_usd: float
    tags: TagsOut | None = None
    created_at: datetime
    updated_at: datetime


class FeedbackPage(BaseModel):
    """A page of rows and where the next one starts."""

    items: list[FeedbackOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def records_of(request: Request) -> FeedbackRecords:
    store: FeedbackRecords = request.app.state.store
    return store


bearer = require_bearer(lambda request: str(request.app.state.api_secret))
router = APIRouter(prefix="/feedback", tags=["feedback"], dependencies=[Depends(bearer)])


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
        )


@router.get("")
async def list_feedback(
    request: Request,
    filters: Annotated[Filters, Depends()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> FeedbackPage:
    """Feedback rows, newest first, filtered (also by topic and sentiment) and paginated."""
    query = filters.query(limit=limit, offset=offset)
    rows, total = await asyncio.to_thread(records_of(request).find, query)
    following = offset + len(rows)
    return FeedbackPage(
        items=[FeedbackOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
    )


FeedbackId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def _row(feedback_id: FeedbackId, request: Request) -> Feedback:
    """The row the path names, or 404."""
    row = await asyncio.to_thread(records_of(request).get, feedback_id)
    if row is None:
        raise HTTPException(404, f"feedback {feedback_id} not found")
    return row


@router.get("/{feedback_id}")
async def get_feedback(row: Annotated[Feedback, Depends(_row)]) -> FeedbackOut:
    """One feedback row."""
    return FeedbackOut.model_validate(row)


class MediaLinksOut(BaseModel):
    """Short-lived links to a feedback's photos."""

    urls: list[str]


@router.get("/{feedback_id}/media")
async def media_links(row: Annotated[Feedback, Depends(_row)], request: Request) -> MediaLinksOut:
    """Links a browser can open for the row's media, valid for MEDIA_LINK_TTL_S."""
    links: MediaLinks = request.app.state.media_links
    return MediaLinksOut(urls=[links.link(uri) for uri in row.media_urls])


class DeliveryOut(BaseModel):
    """One outbound message to a customer and how far it got."""

    model_config = ConfigDict(from_attributes=True)

    message_key: str
    reply_id: str | None
    status: str
    error_code: str | None
    updated_at: datetime


replies_router = APIRouter(prefix="/replies", tags=["replies"], dependencies=[Depends(bearer)])


@replies_router.get("")
async def list_replies(
    request: Request,
    recipient: Annotated[str, Query(min_length=1, max_length=64), AfterValidator(no_nul)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """A customer's newest replies with their delivery status (queued, sent, delivered, read,
    failed, undelivered) and Twilio's error code."""
    rows = await asyncio.to_thread(records_of(request).deliveries, recipient, limit)
    return [DeliveryOut.model_validate(row) for row in rows]
