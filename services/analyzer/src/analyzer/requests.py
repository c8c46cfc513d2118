"""Feedback requests the business starts: a session that already knows the product, opened
by an approved WhatsApp template, which the customer's answer then continues."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta

from analyzer import SOURCE
from analyzer.deps import Analyzer
from analyzer.sessions import Chat, Session, new_session
from analyzer.verdict import Turn
from feedback_contracts import Envelope, FeedbackRequested, TemplateRequested

log = logging.getLogger(__name__)
ANY_PRODUCT = "purchase"  # what the template names when the request names no product


@dataclass(frozen=True)
class FeedbackTemplate:
    """The approved template (Twilio's Content API) and its text as the customer reads it."""

    content_sid: str
    variables: dict[str, str] = field(default_factory=lambda: {"1": "{product}"})
    text: str = "Hi! How was your {product}? Reply to this message to tell us what you think."
    answer_window: timedelta = timedelta(hours=72)

    def fill(self, pattern: str, request: FeedbackRequested) -> str:
        """The pattern with `{product}` and `{order_ref}` filled in from the request."""
        product = request.product_name or ANY_PRODUCT
        return pattern.replace("{product}", product).replace("{order_ref}", request.order_ref or "")


async def handle_feedback_requested(
    request: FeedbackRequested, envelope: Envelope, *, deps: Analyzer, template: FeedbackTemplate
) -> None:
    """Open the customer's session at `ask_feedback` (or `ask_product` with no product), its
    first turn the template's text, and ask the messenger for the template.

    The same request again (a duplicate, or Kafka redelivering it) asks for the same template
    (the messenger's ledger sends it once) and opens nothing new. An opted-out customer gets
    no session; the messenger refuses the send, and `/replies` shows why."""
    latest = await deps.store.latest_session(request.recipient)
    consent = await deps.consent.get(request.recipient)
    preview = template.fill(template.text, request)
    if latest is not None and latest.request_id == request.request_id:
        await _ask(envelope, request, latest, template, preview, deps)
        return
    now = deps.clock()
    session = new_session(request.recipient, after=latest, now=now)
    opened = replace(
        session,
        version=1,
        step="ask_feedback" if request.product_name else "ask_product",
        product_name=request.product_name,
        recent_turns=(Turn(role="assistant", text=preview),),
        request_id=request.request_id,
        awaiting_answer_until=now + template.answer_window,
    )
    if not consent.opted_out:
        chat = Chat(
            message_sid=_reply_id(request),
            session_id=opened.session_id,
            sender_id=request.recipient,
            turn=Turn(role="assistant", text=preview),
            received_at=now,
        )
        await deps.store.commit_turn(session=opened, chats=[chat])
    await _ask(envelope, request, opened, template, preview, deps)


async def _ask(
    envelope: Envelope,
    request: FeedbackRequested,
    session: Session,
    template: FeedbackTemplate,
    preview: str,
    deps: Analyzer,
) -> None:
    asked = TemplateRequested(
        reply_id=_reply_id(request),
        session_id=session.session_id,
        recipient=request.recipient,
        content_sid=template.content_sid,
        content_variables={k: template.fill(v, request) for k, v in template.variables.items()},
        preview=preview,
    )
    await deps.publisher.publish(envelope.follow(asked, source=SOURCE))


def _reply_id(request: FeedbackRequested) -> str:
    return f"{request.request_id}:template"
