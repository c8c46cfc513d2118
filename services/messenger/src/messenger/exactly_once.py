"""One message sent once: claimed in the ledger first, retried, settled if the answer was lost."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime

from feedback_contracts import (
    Envelope,
    TemplateRequested,
)
from messenger.deps import Messenger, Request, callback_for
from messenger.ledger import Claim
from messenger.outcomes import publish_failed
from messenger.sending import SendError
from service_runtime.consent import Consent
from service_runtime.failures import TransientError

log = logging.getLogger(__name__)


OPTED_OUT = 21610  # Twilio: the recipient has opted out (replied STOP)


WINDOW_CLOSED = 63016  # Twilio: outside WhatsApp's 24-hour window


async def send_once(
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
                    status_callback=callback_for(policy.status_callback, request.reply_id),
                )
            return await deps.sender.send(
                to=request.recipient,
                from_=policy.from_number,
                body=body or "",
                status_callback=callback_for(policy.status_callback, request.reply_id),
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
    await publish_failed(envelope, request, deps, code, error.message)
