"""Send a requested reply exactly once per part, and say how it went."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from opentelemetry import metrics

from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    ReplyFailed,
    ReplyRequested,
    ReplyRequestedV2,
    ReplySent,
    TemplateRequested,
    reply_id_for,
)
from messenger.ledger import Claim, SendLedger
from messenger.ratelimit import SendRateLimiter
from messenger.sending import MessageSender, SendError
from messenger.splitting import split_body
from service_runtime.consent import Consent, ConsentStore
from service_runtime.failures import TransientError
from service_runtime.memory_consent import InMemoryConsentStore
from service_runtime.publishing import Publisher

log = logging.getLogger(__name__)
_sends = metrics.get_meter("messenger").create_counter(
    "messenger.replies", unit="{reply}", description="Replies by outcome and Twilio error code"
)
SOURCE = "feedback-intelligence/messenger"
OPTED_OUT = 21610  # Twilio: the recipient has opted out (replied STOP)
WINDOW_CLOSED = 63016  # Twilio: outside WhatsApp's 24-hour window
Request = ReplyRequested | TemplateRequested  # what the messenger is asked to send


@dataclass(frozen=True)
class SendPolicy:
    """Where replies come from and how hard to try."""

    from_number: str
    status_callback: str | None = None
    max_attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    # A claimed part Twilio does not have is sent again only after this: until then the
    # request that claimed it may still arrive (twice Twilio's request timeout).
    settle_after: timedelta = timedelta(seconds=20)


@dataclass(frozen=True)
class Messenger:
    """The adapters the handler needs, wired by the composition root."""

    sender: MessageSender
    ledger: SendLedger
    publisher: Publisher
    limiter: SendRateLimiter
    policy: SendPolicy
    consent: ConsentStore = field(default_factory=InMemoryConsentStore)


async def handle_reply_requested(
    request: ReplyRequested, envelope: Envelope, *, deps: Messenger
) -> None:
    """Send each part once; publish reply-sent, or reply-failed for a final error."""
    consent = await deps.consent.get(request.recipient)
    if not consent.allows(request.reply_id):
        await _failed(envelope, request, deps, "opted_out", "the customer opted out")
        return
    if isinstance(request, ReplyRequestedV2) and not consent.window_open(
        request.customer_message_at, datetime.now(UTC)
    ):  # a free-form message would be refused (63016): not attempted
        await _failed(envelope, request, deps, "window_closed", "outside the 24-hour window")
        return
    sids: list[str] = []
    for index, part in enumerate(split_body(request.body)):
        sid = await _send_once(envelope, request, f"{request.reply_id}#{index}", part, deps)
        if sid is None:
            return
        sids.append(sid)
    await _sent(envelope, request, sids, deps)


async def handle_template_requested(
    request: TemplateRequested, envelope: Envelope, *, deps: Messenger
) -> None:
    """Send an approved template once (Twilio's ContentSid and ContentVariables). WhatsApp
    allows it outside the 24-hour window, so only the opt-out is checked."""
    consent = await deps.consent.get(request.recipient)
    if consent.opted_out:
        await _failed(envelope, request, deps, "opted_out", "the customer opted out")
        return
    sid = await _send_once(envelope, request, f"{request.reply_id}#0", None, deps)
    if sid is not None:
        await _sent(envelope, request, [sid], deps)


async def _send_once(
    envelope: Envelope, request: Request, key: str, body: str | None, deps: Messenger
) -> str | None:
    """One message, claimed in the ledger first: its SID, or None when it failed for good
    (reply-failed published). A text part has `body`; a template has None."""
    claim = await deps.ledger.claim(key)
    if claim.state == "sent" and claim.twilio_sid:
        return claim.twilio_sid
    if claim.state == "sending":  # a crash or an unanswered request mid-send
        settled = await _settle_unknown(request, body, key, claim, deps)
        if settled is not None:
            return settled
    try:
        sid = await _send_with_retries(request, body, deps)
    except SendError as error:
        await _settle_failure(envelope, request, deps, key, error)
        return None
    await deps.ledger.mark_sent(key, sid)
    return sid


async def _sent(envelope: Envelope, request: Request, sids: list[str], deps: Messenger) -> None:
    sent = ReplySent(
        reply_id=request.reply_id, recipient=request.recipient, twilio_message_sids=sids
    )
    _sends.add(1, {"outcome": "sent"})
    await deps.publisher.publish(envelope.follow(sent, source=SOURCE))


async def _send_with_retries(request: Request, body: str | None, deps: Messenger) -> str:
    policy, delay = deps.policy, deps.policy.backoff_s
    for attempt in range(1, policy.max_attempts + 1):
        await deps.limiter.acquire(policy.from_number)
        try:
            if isinstance(request, TemplateRequested):
                return await deps.sender.send_template(
                    to=request.recipient,
                    from_=policy.from_number,
                    content_sid=request.content_sid,
                    variables=request.content_variables,
                    status_callback=policy.status_callback,
                )
            return await deps.sender.send(
                to=request.recipient,
                from_=policy.from_number,
                body=body or "",
                status_callback=policy.status_callback,
            )
        except SendError as error:
            if not error.retryable or error.outcome_unknown or attempt == policy.max_attempts:
                raise
            log.warning("send failed, retrying", extra={"code": error.code, "attempt": attempt})
            await asyncio.sleep(delay)
            delay = min(delay * 2, policy.max_backoff_s)
    raise AssertionError("unreachable")


async def _settle_unknown(
    request: Request, body: str | None, key: str, claim: Claim, deps: Messenger
) -> str | None:
    """Ask Twilio whether a claimed part reached it: its SID if so (now marked sent), None if
    it never will (the part is claimed anew, to be sent); otherwise wait and ask again. A
    template (no body) is any message to the customer since the claim: a customer's sends
    are handled one at a time, so nothing else went to them meanwhile."""
    policy = deps.policy
    claimed_at = claim.claimed_at or datetime.min.replace(tzinfo=UTC)
    try:
        sid = await deps.sender.find_sent(
            to=request.recipient, from_=policy.from_number, body=body, since=claimed_at
        )
    except SendError as error:
        raise TransientError("cannot ask Twilio about an unsettled send") from error
    if sid is not None:
        await deps.ledger.mark_sent(key, sid)
        return sid
    if datetime.now(UTC) - claimed_at < policy.settle_after:
        raise TransientError("an unsettled send may still reach Twilio; asking again later")
    log.info("unsettled send never reached Twilio; sending it", extra={"part": key})
    await deps.ledger.reclaim(key)
    return None


async def _settle_failure(
    envelope: Envelope, request: Request, deps: Messenger, key: str, error: SendError
) -> None:
    if error.outcome_unknown:  # keep the claim; the retry asks Twilio before sending again
        raise TransientError(f"no answer from Twilio: {error.message}") from error
    await deps.ledger.release(key)
    if error.retryable:  # Twilio is away or throttling: the consumer loop waits it out
        raise TransientError(f"Twilio answered {error.status} ({error.code})") from error
    if error.code == OPTED_OUT:  # Twilio knows the customer opted out: so do we, from now on
        await deps.consent.set(request.recipient, Consent(True, "twilio-21610"))
    if error.code == WINDOW_CLOSED:  # until the customer writes again
        current = await deps.consent.get(request.recipient)
        closed = replace(current, window_closed_at=datetime.now(UTC))
        await deps.consent.set(request.recipient, closed)
    code = str(error.code if error.code is not None else error.status)
    await _failed(envelope, request, deps, code, error.message)


async def _failed(
    envelope: Envelope, request: Request, deps: Messenger, code: str, message: str
) -> None:
    failed = ReplyFailed(
        reply_id=request.reply_id,
        recipient=request.recipient,
        error_code=code,
        error_message=message,
        permanent=True,
    )
    log.warning("reply failed", extra={"code": code})
    _sends.add(1, {"outcome": "failed", "error_code": code})
    await deps.publisher.publish(envelope.follow(failed, source=SOURCE))


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
