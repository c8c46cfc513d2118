"""The read API: `GET /feedback` and `GET /feedback/{id}`, behind the API bearer token."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict

from persistence.store import FeedbackQuery, FeedbackStore
from service_runtime.auth import require_bearer


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
    created_at: datetime
    updated_at: datetime


class FeedbackPage(BaseModel):
    """A page of rows and where the next one starts."""

    items: list[FeedbackOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def _store(request: Request) -> FeedbackStore:
    store: FeedbackStore = request.app.state.store
    return store


_bearer = require_bearer(lambda request: str(request.app.state.api_secret))
router = APIRouter(prefix="/feedback", tags=["feedback"], dependencies=[Depends(_bearer)])


@router.get("")
async def list_feedback(
    request: Request,
    sender_id: str | None = None,
    product_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FeedbackPage:
    """Feedback rows, newest first, filtered and paginated."""
    query = FeedbackQuery(sender_id, product_name, since, until, limit, offset)
    rows, total = await asyncio.to_thread(_store(request).find, query)
    following = offset + len(rows)
    return FeedbackPage(
        items=[FeedbackOut.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
    )


@router.get("/{feedback_id}")
async def get_feedback(feedback_id: int, request: Request) -> FeedbackOut:
    """One feedback row."""
    row = await asyncio.to_thread(_store(request).get, feedback_id)
    if row is None:
        raise HTTPException(404, f"feedback {feedback_id} not found")
    return FeedbackOut.model_validate(row)
