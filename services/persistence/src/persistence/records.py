"""The persistence port: what the handlers and the read API ask of the feedback records, and
the value types it shares with its adapters (SQL: `adapters/sql_store.py`; the fake:
`memory_records.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from feedback_contracts import (
    DeliveryStatus,
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackCompletedV3,
    FeedbackTagged,
    MediaStored,
    ReplyFailed,
)
from persistence import erasure
from persistence.backfill import BackfillStore
from persistence.insights import Tagged
from persistence.models import Feedback, Topic
from persistence.replies import ReplyDelivery, ReplyRecord
from persistence.taxonomy import ProposalView


class FeedbackRecords(BackfillStore, Protocol):
    """Idempotent writes on natural keys, whatever order events arrive in; and the reads."""

    def save_completed(self, event: FeedbackCompleted) -> None: ...

    def save_media(self, event: MediaStored) -> None: ...

    def save_reply_failed(self, event: ReplyFailed) -> None: ...

    def save_delivery_status(self, event: DeliveryStatus) -> None: ...

    def save_tags(self, event: FeedbackTagged) -> None: ...

    def taxonomy(self) -> Taxonomy: ...

    def proposals(self) -> list[ProposalView]: ...

    def settle_proposal(self, proposal_id: int, *, accept: bool) -> bool: ...

    def create_topic(self, *, label: str, description: str) -> Topic: ...

    def change_topic(
        self,
        topic_id: int,
        *,
        label: str | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> Topic | None: ...

    def save_replies(self, records: Sequence[ReplyRecord]) -> None: ...

    def deliveries(self, recipient: str, limit: int = 50) -> list[ReplyDelivery]: ...

    def start_erasure(self, sender_id: str) -> erasure.Started: ...

    def erase_records(self, erasure_id: str, sender_id: str) -> dict[str, int]: ...

    def record_erasure_step(self, erasure_id: str, step: str, counts: dict[str, int]) -> bool: ...

    def find_erasure(self, erasure_id: str) -> erasure.ErasureView | None: ...

    def get(self, feedback_id: int) -> Feedback | None: ...

    def find(self, query: FeedbackQuery) -> tuple[list[Feedback], int]: ...

    def tagged(self, query: FeedbackQuery) -> list[Tagged]: ...


@dataclass(frozen=True)
class Taxonomy:
    """The topics, active or not, and the version they make."""

    version: int
    topics: list[Topic]


@dataclass(frozen=True)
class FeedbackQuery:
    """Filters and a page of the read API."""

    sender_id: str | None = None
    product_name: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0
    topic: str | None = None  # a label of the taxonomy the row was tagged with
    sentiment: str | None = None
    session_id: str | None = None  # one feedback, as an alert's link names it


def rating(event: FeedbackCompleted) -> dict[str, Any]:
    """The rating column; events before v3 carry none."""
    return {"rating": event.rating if isinstance(event, FeedbackCompletedV3) else None}


def llm_usage(event: FeedbackCompleted) -> dict[str, Any]:
    """The LLM's cost columns; v1 events predate them and leave the defaults."""
    if not isinstance(event, FeedbackCompletedV2):
        return {}
    usage = event.llm_usage
    return {
        "llm_model": usage.model,
        "llm_input_tokens": usage.input_tokens,
        "llm_output_tokens": usage.output_tokens,
        "llm_cost_usd": usage.estimated_cost_usd,
    }
