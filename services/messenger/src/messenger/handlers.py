"""Send a requested reply exactly once per part, and say how it went."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    ReplyRequested,
    ReplyRequestedV2,
    TemplateRequested,
    reply_id_for,
)
from messenger.deps import Messenger
from messenger.exactly_once import send_once
from messenger.outcomes import SOURCE, publish_failed, publish_sent
from messenger.sending import SendError
from messenger.splitting import split_body
from service_runtime.failures import TransientError

log = logging.getLogger(__name__)


async def handle_reply_requested(
    request: ReplyRequested, envelope: Envelope, *, deps: Messenger
) -> None:
    """Send each part once; publish reply-sent, or reply-failed for a final error."""
    consent = await deps.consent.get(request.recipient)
    if not consent.allows(request.reply_id):
        await publish_failed(envelope, request, deps, "opted_out", "the customer opted out")
        return
    if isinstance(request, ReplyRequestedV2) and not consent.window_open(
        request.customer_message_at, datetime.now(UTC)
    ):  # a free-form message would be refused (63016): not attempted
        await publish_failed(envelope, request, deps, "window_closed", "outside the 24-hour window")
        return
    sids: list[str] = []
    for index, part in enumerate(split_body(request.body)):
        sid = await send_once(envelope, request, f"{request.reply_id}#{index}", part, deps)
        if sid is None:
            return
        sids.append(sid)
    await publish_sent(envelope, request, sids, deps)


async def handle_template_requested(
    request: TemplateRequested, envelope: Envelope, *, deps: Messenger
) -> None:
    """Send an approved template once (Twilio's ContentSid and ContentVariables). WhatsApp
    allows it outside the 24-hour window, so only the opt-out is checked."""
    consent = await deps.consent.get(request.recipient)
    if consent.opted_out:
        await publish_failed(envelope, request, deps, "opted_out", "the customer opted out")
        return
    sid = await send_once(envelope, request, f"{request.reply_id}#0", None, deps)
    if sid is not None:
        await publish_sent(envelope, request, [sid], deps)


ERASE_PAGE = 100  # messages listed at a time; erased ones drop out of the next listing


async def handle_erasure_requested(
    requested: ErasureRequested, envelope: Envelope, *, deps: Messenger
) -> None:
    """The messenger's step of an erasure: the customer's messages and their media at Twilio,
    both directions, and the send-ledger items of the replies to their messages.

    The ledger holds no phone number; its items are found from the customer's inbound
    messages (a reply's id is derived from the MessageSid it answers), so each is forgotten
    before the message that leads to it is deleted, and a rerun after a crash finds the rest."""
    customer, business = requested.sender_id, deps.policy.from_number
    erased = Counter[str]()
    try:
        for from_, to in ((customer, business), (business, customer)):
            seen: set[str] = set()
            while page := await deps.sender.messages_between(from_=from_, to=to, limit=ERASE_PAGE):
                if seen.issuperset(page):  # nothing new: what is left will not go
                    break
                for sid in page:
                    if from_ == customer:
                        erased["ledger_items"] += await deps.ledger.forget(reply_id_for(sid))
                    erased["twilio_media"] += await deps.sender.erase(sid)
                    erased["twilio_messages"] += sid not in seen
                    seen.add(sid)
    except SendError as error:
        if error.retryable:
            raise TransientError(f"Twilio answered {error.status} ({error.code})") from error
        raise
    done = ErasureStepDone(erasure_id=requested.erasure_id, step="messaging", erased=dict(erased))
    log.info("erased the customer's messages", extra={"erasure_id": requested.erasure_id})
    await deps.publisher.publish(envelope.follow(done, source=SOURCE))
