"""Tag each completed feedback with the business's taxonomy and publish the tags."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from feedback_contracts import Envelope, FeedbackCompleted, FeedbackTagged
from insights.tagging import Tagger
from insights.taxonomy_source import TaxonomySource
from service_runtime.publishing import Publisher

SOURCE = "feedback-intelligence/insights"


@dataclass(frozen=True)
class Insights:
    """The adapters the handler needs, wired by the composition root."""

    tagger: Tagger
    taxonomy: TaxonomySource
    publisher: Publisher


async def handle_feedback_completed(
    completed: FeedbackCompleted, envelope: Envelope, *, deps: Insights
) -> None:
    """Tags for the customer's words, from the active topics of the current taxonomy.
    Persistence keeps the newest taxonomy's tags, so a redelivery or a re-tag is harmless."""
    taxonomy = await deps.taxonomy.current()
    (tags,) = await asyncio.to_thread(
        deps.tagger.tag, [completed.feedback_text], taxonomy=taxonomy.topics
    )
    event = FeedbackTagged(
        session_id=completed.session_id,
        sender_id=completed.sender_id,
        topics=list(tags.topics),
        sentiment=tags.sentiment,
        summary=tags.summary[:300],
        tagger=deps.tagger.name,
        taxonomy_version=taxonomy.version,
    )
    await deps.publisher.publish(envelope.follow(event, source=SOURCE))
