"""The read API: `GET /feedback` and `GET /feedback/{id}`, behind the API bearer token."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from persistence.dependencies import AUTHORIZED, Links, Listing, Paging, Records, Row, no_nul
from persistence.timestamps import Timestamp


class TagsOut(BaseModel):
    """What the feedback is about, by the business's taxonomy (from the insights service)."""

    model_config = ConfigDict(from_attributes=True)

    topics: list[str]
    sentiment: str
    summary: str
    tagger: str
    taxonomy_version: int
    language: str | None = None
    language_understood: bool = True
    tagged_at: Timestamp


class FeedbackOut(BaseModel):
    """One feedback row as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    session_id: str
    sender_id: str
    product_name: str
    feedback_text: str
    media_urls: list[str]
    completed_at: Timestamp | None
    rating: int | None = Field(default=None, ge=1, le=5, description="The customer's 1-5 rating.")
    llm_model: str | None
    llm_input_tokens: int
    llm_output_tokens: int
    llm_cost_usd: float
    tags: TagsOut | None = None
    created_at: Timestamp
    updated_at: Timestamp


class FeedbackPage(BaseModel):
    """A page of rows and where the next one starts."""

    items: list[FeedbackOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


router = APIRouter(prefix="/feedback", tags=["feedback"], dependencies=AUTHORIZED)


@router.get("")
async def list_feedback(
    records: Records,
    filters: Listing,
    page: Paging,
) -> FeedbackPage:
    """Feedback rows, newest first, filtered (also by topic and sentiment) and paginated."""
    limit, offset = page.limit, page.offset
    query = filters.query(limit=limit, offset=offset)
    rows, total = await asyncio.to_thread(records.find, query)
    following = offset + len(rows)
    return FeedbackPage(
        items=[FeedbackOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
    )


@router.get("/{feedback_id}")
async def get_feedback(row: Row) -> FeedbackOut:
    """One feedback row."""
    return FeedbackOut.model_validate(row)


class MediaLinksOut(BaseModel):
    """Short-lived links to a feedback's photos."""

    urls: list[str]


@router.get("/{feedback_id}/media")
async def media_links(row: Row, links: Links) -> MediaLinksOut:
    """Links a browser can open for the row's media, valid for MEDIA_LINK_TTL_S."""
    return MediaLinksOut(urls=[links.link(uri) for uri in row.media_urls])


class DeliveryOut(BaseModel):
    """One outbound message to a customer, how far it got, and the reply it is (a part of)."""

    model_config = ConfigDict(from_attributes=True)

    message_key: str
    reply_id: str | None
    status: str
    error_code: str | None
    updated_at: Timestamp
    text: str | None = Field(
        description="The reply's text (a template's as the customer reads it)."
    )
    template_sid: str | None = Field(description="The approved template's ContentSid, if one.")
    in_reply_to: str | None = Field(description="The customer's MessageSid the reply answers.")
    customer_message_at: Timestamp | None = Field(description="When that message reached us.")


replies_router = APIRouter(prefix="/replies", tags=["replies"], dependencies=AUTHORIZED)


@replies_router.get("")
async def list_replies(
    records: Records,
    recipient: Annotated[str, Query(min_length=1, max_length=64), AfterValidator(no_nul)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """A customer's newest messages with their delivery status (queued, sent, delivered, read,
    failed, undelivered), Twilio's error code, and the reply each is: its id, its text (or
    template) and the customer's message it answers."""
    rows = await asyncio.to_thread(records.deliveries, recipient, limit)
    return [DeliveryOut.model_validate(row) for row in rows]
