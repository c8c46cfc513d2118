"""A turn's outcome, published: the reply to send and, once complete, the feedback."""

from __future__ import annotations

from analyzer import SOURCE
from analyzer.deps import Analyzer, LlmPricing
from analyzer.sessions import (
    Outcome,
    Session,
)
from feedback_contracts import (
    Envelope,
    FeedbackCompletedV3,
    MediaReference,
    ReplyRequestedV2,
)

PRODUCT_NAME_CHARS = 300  # what the Feedback row holds: a longer name would never be stored


async def publish_outcome(
    envelope: Envelope, outcome: Outcome, session: Session, deps: Analyzer
) -> None:
    reply = ReplyRequestedV2(
        reply_id=outcome.reply_id,
        session_id=outcome.session_id,
        recipient=session.sender_id,
        body=outcome.reply,
        customer_message_at=envelope.time,
    )
    await deps.publisher.publish(envelope.follow(reply, source=SOURCE))
    if outcome.feedback_completed:
        completed = _completed(session, deps.pricing)
        await deps.publisher.publish(envelope.follow(completed, source=SOURCE))


def _completed(session: Session, pricing: LlmPricing) -> FeedbackCompletedV3:
    return FeedbackCompletedV3(
        session_id=session.session_id,
        sender_id=session.sender_id,
        product_name=(session.product_name or "")[:PRODUCT_NAME_CHARS],
        feedback_text=session.feedback or "",
        media=[
            MediaReference(
                message_sid=m.message_sid,
                media_sid=m.media_sid,
                url=m.url,
                content_type=m.content_type,
            )
            for m in session.media
        ],
        completed_at=session.last_message_at,
        llm_usage=pricing.usage(session.usage),
        rating=session.rating,
    )
