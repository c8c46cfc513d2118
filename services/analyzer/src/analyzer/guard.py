"""Checks the analyzer applies to every verdict, whatever produced it."""

from __future__ import annotations

import re

from analyzer.rating import mentions
from analyzer.understanding import without_lead_ins
from analyzer.verdict import Conversation, Verdict

_INJECTION = re.compile(
    r"ignore (all |any |your |the |previous |prior |above )+(instructions|rules|prompt)"
    r"|disregard (all |your |the |previous )*(instructions|rules)"
    r"|(system|developer) prompt"
    r"|you are now\b"
    r"|mark (the |this )?(session|conversation|feedback) (as )?(complete|completed|done)"
    r"|is_feedback_session_complete",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    """Customer text that tries to instruct the model rather than give feedback."""
    return bool(_INJECTION.search(text))


def enforce(verdict: Verdict, conversation: Conversation) -> Verdict:
    """Hold a verdict to the contract: only real media, a product named by its name alone, no
    completion from an injection."""
    allowed = set(conversation.session_media) | set(conversation.message.media_urls)
    media = [url for url in verdict.media_urls if url in allowed]
    if looks_like_injection(conversation.message.text):
        return verdict.model_copy(
            update={
                "is_feedback_session_complete": False,
                "is_unsafe": True,  # an attack on the conversation: the limit window at once
                "should_persist_reply": False,
                "product_name": conversation.product_name,
                "feedback": conversation.feedback,
                "media_urls": media,
                "rating": conversation.rating,
                "next_step": conversation.step,
            }
        )
    return verdict.model_copy(
        update={
            "media_urls": media,
            "product_name": _named(verdict, conversation),
            "rating": _rating(verdict, conversation),
        }
    )


def _rating(verdict: Verdict, conversation: Conversation) -> int | None:
    """The verdict's rating only when the customer said it, in some form, in this conversation:
    a model's guess from the tone of the feedback is no rating. A start-over clears it."""
    if verdict.rating is None or verdict.rating == conversation.rating:
        return verdict.rating
    said = [
        conversation.message.text,
        *(t.text for t in conversation.history if t.role == "customer"),
    ]
    return (
        verdict.rating
        if any(mentions(text, verdict.rating) for text in said)
        else conversation.rating
    )


def _named(verdict: Verdict, conversation: Conversation) -> str | None:
    """The verdict's product without what a model may leave in it from the customer's words:
    a greeting, "I want to give feedback", "comprei". Nothing left: the product stays as it was."""
    if not verdict.product_name:
        return verdict.product_name
    name = without_lead_ins(verdict.product_name).strip(" .,!;:")
    return name or conversation.product_name
