"""Tag each completed feedback with the business's taxonomy and publish the tags."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import Executor
from dataclasses import dataclass

from feedback_contracts import (
    Envelope,
    FeedbackCompleted,
    FeedbackCompletedV3,
    FeedbackTaggedV4,
    TagRequested,
    TopicProposal,
)
from insights.tagging import Tagger, TaggerBusy
from insights.taxonomy_source import TaxonomySource
from service_runtime.failures import TransientError
from service_runtime.publishing import Publisher

SOURCE = "feedback-intelligence/insights"


@dataclass(frozen=True)
class Insights:
    """The adapters the handler needs, wired by the composition root."""

    tagger: Tagger
    taxonomy: TaxonomySource
    publisher: Publisher
    executor: Executor | None = None  # where the tagger runs; None: the loop's default pool


async def handle_feedback_completed(
    completed: FeedbackCompleted, envelope: Envelope, *, deps: Insights
) -> None:
    """Tags for the customer's words, from the active topics of the current taxonomy.
    Persistence keeps the newest taxonomy's tags, so a redelivery or a re-tag is harmless."""
    await _tag(completed, completed.feedback_text, envelope, deps, at_least=0)


async def handle_tag_requested(
    request: TagRequested, envelope: Envelope, *, deps: Insights
) -> None:
    """A stored feedback to tag again, with the taxonomy that asked for it or a newer one."""
    await _tag(request, request.feedback_text, envelope, deps, at_least=request.taxonomy_version)


async def _tag(
    source: FeedbackCompleted | TagRequested,
    text: str,
    envelope: Envelope,
    deps: Insights,
    *,
    at_least: int,
) -> None:
    taxonomy = await deps.taxonomy.current(at_least=at_least)
    # As asyncio.to_thread, in the tagger's own pool: the trace context goes along.
    call = functools.partial(deps.tagger.tag, [text], taxonomy=taxonomy.topics)
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    try:
        (tags,) = await loop.run_in_executor(deps.executor, context.run, call)
    except TaggerBusy as busy:  # the record waits and is tried again, as for any dependency
        raise TransientError(f"tagger rate-limited: {busy}") from busy
    proposal = tags.proposal and TopicProposal(
        label=tags.proposal.label, description=tags.proposal.description
    )
    event = FeedbackTaggedV4(
        session_id=source.session_id,
        sender_id=source.sender_id,
        topics=list(tags.topics),
        sentiment=tags.sentiment,
        summary=tags.summary[:300],
        tagger=tags.tagger,
        taxonomy_version=taxonomy.version,
        proposal=proposal,
        language=tags.language,
        language_understood=tags.understood,
        product_name=source.product_name if isinstance(source, FeedbackCompleted) else None,
        rating=source.rating if isinstance(source, FeedbackCompletedV3) else None,
        feedback_text=text,
        retag=isinstance(source, TagRequested),
    )
    await deps.publisher.publish(envelope.follow(event, source=SOURCE))
