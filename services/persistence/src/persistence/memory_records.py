"""The feedback records' fake: the same rules in memory (`tests/test_record_rules.py` runs
them against it and against the SQL store on migrations)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from feedback_contracts import (
    FeedbackCompleted,
    FeedbackTagged,
    FeedbackTaggedV2,
    MediaStored,
)
from persistence.insights import Tagged, tag_language
from persistence.memory_deliveries import _MemoryDeliveries
from persistence.memory_erasure import _MemoryErasure
from persistence.memory_taxonomy import _MemoryTaxonomy
from persistence.models import Feedback, FeedbackTags
from persistence.records import FeedbackQuery, llm_usage, rating
from persistence.taxonomy import ProposalView


class InMemoryFeedbackRecords(_MemoryDeliveries, _MemoryErasure, _MemoryTaxonomy):
    """Feedback rows, media and delivery statuses held in dicts (`MemoryState`)."""

    def save_completed(self, event: FeedbackCompleted) -> None:
        """One row per session; media already stored for it fills `media_urls`."""
        if event.session_id not in self.rows:
            now = datetime.now(UTC)
            usage = {"llm_input_tokens": 0, "llm_output_tokens": 0, "llm_cost_usd": Decimal(0)}
            self.rows[event.session_id] = Feedback(
                id=next(self._ids),
                session_id=event.session_id,
                sender_id=event.sender_id,
                product_name=event.product_name,
                feedback_text=event.feedback_text,
                completed_at=event.completed_at,
                created_at=now,
                updated_at=now,
                **(usage | llm_usage(event) | rating(event)),
            )
        self._refresh_media_urls(event.session_id)
        self.rows[event.session_id].tags = self.tags.get(event.session_id)

    def save_media(self, event: MediaStored) -> None:
        """Remember the media; attach its URI when the feedback row exists (or later)."""
        self.media.setdefault(event.media_sid, event)
        self._refresh_media_urls(event.session_id)

    def save_tags(self, event: FeedbackTagged) -> None:
        """A feedback's tags, unless those stored come from a newer taxonomy."""
        stored = self.tags.get(event.session_id)
        if stored is not None and stored.taxonomy_version > event.taxonomy_version:
            return
        self.tags[event.session_id] = FeedbackTags(
            session_id=event.session_id,
            topics=list(event.topics),
            sentiment=event.sentiment,
            summary=event.summary,
            tagger=event.tagger,
            taxonomy_version=event.taxonomy_version,
            **tag_language(event),
            tagged_at=datetime.now(UTC),
        )
        if event.session_id in self.rows:
            self.rows[event.session_id].tags = self.tags[event.session_id]
        if isinstance(event, FeedbackTaggedV2) and event.proposal is not None:
            proposal = event.proposal
            key = proposal.label.strip().lower()
            self.proposed.setdefault(
                key,
                ProposalView(
                    len(self.proposed) + 1, proposal.label, proposal.description, "open", 0
                ),
            )
            self.mentions.setdefault(key, set()).add(event.session_id)

    def get(self, feedback_id: int) -> Feedback | None:
        """One row by id."""
        return next((row for row in self.rows.values() if row.id == feedback_id), None)

    def find(self, query: FeedbackQuery) -> tuple[list[Feedback], int]:
        """A page of rows, newest first, and how many match in all."""
        matching = [
            row
            for row in self.rows.values()
            if (not query.sender_id or row.sender_id == query.sender_id)
            and (not query.session_id or row.session_id == query.session_id)
            and (not query.product_name or query.product_name.lower() in row.product_name.lower())
            and (not query.since or row.created_at >= query.since)
            and (not query.until or row.created_at < query.until)
            and (not query.sentiment or (row.tags and row.tags.sentiment == query.sentiment))
            and (not query.topic or (row.tags and query.topic in row.tags.topics))
        ]
        matching.sort(key=lambda row: (row.created_at, row.id), reverse=True)
        return matching[query.offset : query.offset + query.limit], len(matching)

    def tagged(self, query: FeedbackQuery) -> list[Tagged]:
        """Product, tags and time of every tagged row the query matches (paging aside)."""
        rows, _ = self.find(replace(query, limit=len(self.rows), offset=0))
        return [
            Tagged(
                row.product_name,
                row.tags.topics,
                row.tags.sentiment,
                row.created_at,
                row.tags.language_understood,
                row.rating,
            )
            for row in rows
            if row.tags is not None
        ]

    def _refresh_media_urls(self, session_id: str) -> None:
        row = self.rows.get(session_id)
        if row is not None:
            row.media_urls = sorted(
                m.s3_uri
                for m in self.media.values()
                if m.session_id == session_id and m.status == "stored" and m.s3_uri
            )
