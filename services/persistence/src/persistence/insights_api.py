"""The owner's insights API: topics by sentiment and product, the weekly trend, the newest
feedback per topic and a CSV export, all over the same filters as `GET /feedback`."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from persistence.api import FeedbackOut
from persistence.dependencies import AUTHORIZED, Filters, Listing, Records
from persistence.insights import TopicCount, topic_counts, weekly_trend
from persistence.ratings import Ratings, rating_summary
from persistence.timestamps import rfc3339

insights_router = APIRouter(prefix="/insights", tags=["insights"], dependencies=AUTHORIZED)
EXPORT_PAGE = 500
EXPORT_COLUMNS = (
    "id",
    "created_at",
    "sender_id",
    "product_name",
    "feedback_text",
    "topics",
    "sentiment",
    "summary",
    "media_urls",
    "rating",  # last: a column added later keeps the others where readers expect them
)


class TopicsOut(BaseModel):
    """How often each topic came up over the filters, by sentiment and product."""

    tagged: int
    topics: list[TopicCount]


@insights_router.get("/topics")
async def topics(records: Records, filters: Listing) -> TopicsOut:
    """Each topic (and `(no topic)`), by sentiment and by product, most talked about first."""
    rows = await asyncio.to_thread(records.tagged, filters.query())
    return TopicsOut(tagged=len(rows), topics=topic_counts(rows))


@insights_router.get("/trend")
async def trend(
    records: Records,
    filters: Listing,
    weeks: Annotated[int, Query(ge=1, le=104)] = 12,
) -> list[dict[str, object]]:
    """Tagged feedback per week by sentiment, the last `weeks` weeks, oldest first."""
    rows = await asyncio.to_thread(records.tagged, filters.query())
    return weekly_trend(rows, weeks=weeks, today=datetime.now(UTC).date())


@insights_router.get("/ratings")
async def ratings(
    records: Records,
    filters: Listing,
    weeks: Annotated[int, Query(ge=1, le=104)] = 12,
) -> Ratings:
    """The customers' 1-5 ratings: average and distribution overall, per product and per topic,
    and the weekly average of the last `weeks` weeks, oldest first."""
    rows = await asyncio.to_thread(records.tagged, filters.query())
    return rating_summary(rows, weeks=weeks, today=datetime.now(UTC).date())


@insights_router.get("/latest")
async def latest(
    records: Records,
    filters: Listing,
    per_topic: Annotated[int, Query(ge=1, le=20)] = 3,
) -> dict[str, list[FeedbackOut]]:
    """The newest feedback for each active topic of the taxonomy."""
    store = records
    taxonomy = await asyncio.to_thread(store.taxonomy)
    newest = {}
    for topic in (t for t in taxonomy.topics if t.is_active):
        query = Filters(**{**vars(filters), "topic": topic.label}).query(limit=per_topic)
        rows, _ = await asyncio.to_thread(store.find, query)
        newest[topic.label] = [FeedbackOut.model_validate(row) for row in rows]
    return newest


@insights_router.get("/export.csv")
async def export(records: Records, filters: Listing) -> StreamingResponse:
    """Every feedback the filters match, with its tags, as CSV (newest first)."""
    store = records

    async def lines() -> AsyncIterator[str]:
        yield _csv_line(EXPORT_COLUMNS)
        offset = 0
        while True:
            query = filters.query(limit=EXPORT_PAGE, offset=offset)
            rows, _ = await asyncio.to_thread(store.find, query)
            for row in rows:
                out = FeedbackOut.model_validate(row)
                tags = out.tags
                yield _csv_line(
                    (
                        out.id,
                        rfc3339(out.created_at),
                        out.sender_id,
                        out.product_name,
                        out.feedback_text,
                        ";".join(tags.topics) if tags else "",
                        tags.sentiment if tags else "",
                        tags.summary if tags else "",
                        " ".join(out.media_urls),
                        out.rating if out.rating is not None else "",
                    )
                )
            if len(rows) < EXPORT_PAGE:
                return
            offset += EXPORT_PAGE

    headers = {"Content-Disposition": 'attachment; filename="feedback.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_line(values: tuple[object, ...]) -> str:
    """One CSV line; a customer's text that a spreadsheet would run as a formula is quoted
    with a leading apostrophe (OWASP's advice on CSV injection)."""
    out = io.StringIO()
    csv.writer(out).writerow(
        "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in values
    )
    return out.getvalue()
