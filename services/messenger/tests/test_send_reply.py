"""The messenger's handler against in-memory fakes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    ReplyFailed,
    ReplyRequested,
    ReplySent,
    TemplateRequested,
)
from messenger.deps import Messenger, SendPolicy
from messenger.handlers import (
    handle_erasure_requested,
    handle_reply_requested,
    handle_template_requested,
)
from messenger.ledger import Claim
from messenger.memory_ledger import InMemorySendLedger
from messenger.ratelimit import SendRateLimiter
from messenger.recording_sender import RecordingSender
from messenger.sending import SendError
from messenger.settings import whatsapp_address
from messenger.splitting import split_body
from service_runtime.consent import Consent
from service_runtime.failures import TransientError, is_transient
from service_runtime.memory_consent import InMemoryConsentStore
from service_runtime.recording_publisher import RecordingPublisher
from service_runtime.routing import unwrap

pytestmark = pytest.mark.unit
CUSTOMER = "whatsapp:+15550001111"


def request(body: str = "Thanks!", reply_id: str = "SM1:reply") -> Envelope:
    event = ReplyRequested(reply_id=reply_id, session_id="s1", recipient=CUSTOMER, body=body)
    return Envelope.wrap(event, source="analyzer", correlation_id="SM1")


def messenger(sender: RecordingSender, ledger: InMemorySendLedger | None = None) -> Messenger:
    return Messenger(
        sender=sender,
        ledger=ledger or InMemorySendLedger(),
        publisher=RecordingPublisher(),
        limiter=SendRateLimiter(1000),
        policy=SendPolicy("whatsapp:+14155238886", backoff_s=0),
        consent=InMemoryConsentStore(),
    )


def published(deps: Messenger) -> RecordingPublisher:
    assert isinstance(deps.publisher, RecordingPublisher)
    return deps.publisher


def test_split_cuts_at_whitespace_within_the_limit() -> None:
    parts = split_body("word " * 340)  # 1,700 characters
    assert len(parts) == 2 and all(len(part) <= 1600 for part in parts)
    assert " ".join(parts) == ("word " * 340).strip()


def test_from_number_is_normalized() -> None:
    assert whatsapp_address("14155238886") == "whatsapp:+14155238886"
    assert whatsapp_address("+14155238886") == "whatsapp:+14155238886"
    assert whatsapp_address("whatsapp:+14155238886") == "whatsapp:+14155238886"


async def test_long_reply_goes_out_as_two_messages() -> None:
    deps = messenger(sender := RecordingSender())
    await handle_reply_requested(*unwrap(request("x" * 1700)), deps=deps)
    assert [len(body) for _, _, body, _ in sender.sent] == [1600, 100]
    (sent,) = published(deps).of_type(ReplySent)
    assert isinstance(sent.data, ReplySent) and len(sent.data.twilio_message_sids) == 2
    assert sent.causation_id is not None and sent.correlation_id == "SM1"


async def test_rate_limited_then_success_sends_once() -> None:
    deps = messenger(sender := RecordingSender(failures=[SendError(429, 20429, "Too Many")]))
    await handle_reply_requested(*unwrap(request()), deps=deps)
    assert sender.attempts == 2 and len(sender.sent) == 1
    assert len(published(deps).of_type(ReplySent)) == 1


async def test_outside_window_is_final_without_retry() -> None:
    deps = messenger(sender := RecordingSender(failures=[SendError(400, 63016, "outside window")]))
    await handle_reply_requested(*unwrap(request()), deps=deps)
    assert sender.attempts == 1 and sender.sent == []
    (failed,) = published(deps).of_type(ReplyFailed)
    assert isinstance(failed.data, ReplyFailed)
    assert (failed.data.error_code, failed.data.permanent) == ("63016", True)


async def test_redelivered_request_is_not_sent_twice() -> None:
    ledger = InMemorySendLedger()
    deps = messenger(sender := RecordingSender(), ledger)
    await handle_reply_requested(*unwrap(request()), deps=deps)
    await handle_reply_requested(*unwrap(request()), deps=deps)
    assert len(sender.sent) == 1
    sids = [env.data.twilio_message_sids for env in published(deps).of_type(ReplySent)]  # type: ignore[attr-defined]
    assert sids[0] == sids[1]


async def test_an_unanswered_send_is_settled_with_twilio_before_anything_else() -> None:
    timeout = SendError(0, None, "timeout", outcome_unknown=True)
    ledger = InMemorySendLedger()
    deps = messenger(sender := RecordingSender(failures=[timeout]), ledger)
    with pytest.raises(TransientError):  # the claim stays; the consumer loop retries later
        await handle_reply_requested(*unwrap(request()), deps=deps)
    with pytest.raises(TransientError):  # Twilio lacks it, but the request may still arrive
        await handle_reply_requested(*unwrap(request()), deps=deps)
    assert sender.attempts == 1 and ledger.records["SM1:reply#0"].state == "sending"


async def test_a_part_twilio_has_is_marked_sent_not_sent_again() -> None:
    ledger, sender = InMemorySendLedger(), RecordingSender()
    deps = messenger(sender, ledger)
    await ledger.claim("SM1:reply#0")  # claimed, then the process died after Twilio took it
    await sender.send(
        to=CUSTOMER, from_="whatsapp:+14155238886", body="Thanks!", status_callback=None
    )
    await handle_reply_requested(*unwrap(request()), deps=deps)
    assert sender.attempts == 1 and ledger.records["SM1:reply#0"].state == "sent"
    (sent,) = published(deps).of_type(ReplySent)
    assert sent.data.twilio_message_sids == ["SM" + "0" * 31 + "1"]  # type: ignore[attr-defined]


async def test_a_part_twilio_never_got_is_sent_once_the_claim_is_old_enough() -> None:
    ledger, sender = InMemorySendLedger(), RecordingSender()
    deps = messenger(sender, ledger)
    deps = replace(deps, policy=replace(deps.policy, settle_after=timedelta(0)))
    await ledger.claim("SM1:reply#0")  # claimed, then the process died before sending
    await handle_reply_requested(*unwrap(request()), deps=deps)
    assert [body for _, _, body, _ in sender.sent] == ["Thanks!"]
    assert ledger.records["SM1:reply#0"].state == "sent"


async def test_when_twilio_cannot_be_asked_the_part_waits() -> None:
    ledger = InMemorySendLedger()
    sender = RecordingSender()
    deps = messenger(sender, ledger)
    await ledger.claim("SM1:reply#0")

    async def unreachable(**_: object) -> str | None:
        raise SendError(0, None, "connection refused")

    sender.find_sent = unreachable  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        await handle_reply_requested(*unwrap(request()), deps=deps)
    assert sender.attempts == 0 and not published(deps).of_type(ReplyFailed)


async def test_exhausted_retries_release_the_claim_and_wait_twilio_out() -> None:
    errors = [SendError(503, None, "unavailable") for _ in range(4)]
    ledger = InMemorySendLedger()
    deps = messenger(RecordingSender(failures=errors), ledger)
    with pytest.raises(TransientError) as raised:
        await handle_reply_requested(*unwrap(request()), deps=deps)
    assert ledger.records == {}
    assert is_transient(raised.value) and isinstance(raised.value.__cause__, SendError)


async def test_an_opted_out_customer_gets_nothing_but_the_notice_owed() -> None:
    consent = InMemoryConsentStore()
    await consent.set(CUSTOMER, Consent(True, "keyword", notice_reply_id="SM9:reply"))
    deps = replace(messenger(sender := RecordingSender()), consent=consent)
    await handle_reply_requested(*unwrap(request("Anything else?")), deps=deps)
    await handle_reply_requested(
        *unwrap(request("You won't get more messages.", "SM9:reply")), deps=deps
    )
    assert [body for _, _, body, _ in sender.sent] == ["You won't get more messages."]
    (failed,) = published(deps).of_type(ReplyFailed)
    assert failed.data.error_code == "opted_out"  # type: ignore[attr-defined]


async def test_twilios_21610_marks_the_customer_opted_out() -> None:
    consent = InMemoryConsentStore()
    refused = SendError(400, 21610, "Attempt to send to unsubscribed recipient")
    deps = replace(messenger(RecordingSender(failures=[refused])), consent=consent)
    await handle_reply_requested(*unwrap(request()), deps=deps)
    assert (await consent.get(CUSTOMER)).opted_out
    assert (await consent.get(CUSTOMER)).source == "twilio-21610"


async def test_erasure_forgets_the_ledger_of_the_customers_replies_and_their_messages() -> None:
    ledger, other = InMemorySendLedger(), "whatsapp:+15550002222"
    deps = messenger(sender := RecordingSender(), ledger)
    sender.received = {"SM1": (CUSTOMER, deps.policy.from_number)}
    await handle_reply_requested(*unwrap(request("x" * 1700)), deps=deps)  # two parts
    theirs = ReplyRequested(reply_id="SM2:reply", session_id="s2", recipient=other, body="Hi")
    await handle_reply_requested(
        *unwrap(Envelope.wrap(theirs, source="a", correlation_id="SM2")), deps=deps
    )
    erasure = ErasureRequested(erasure_id="e1", sender_id=CUSTOMER)
    for _ in range(2):  # a redelivered request finds nothing more
        await handle_erasure_requested(
            *unwrap(Envelope.wrap(erasure, source="p", correlation_id="e1")), deps=deps
        )
    assert list(ledger.records) == ["SM2:reply#0"]
    remaining = await sender.messages_between(from_=deps.policy.from_number, to=other, limit=9)
    assert len(remaining) == 1
    steps = [e.data for e in published(deps).of_type(ErasureStepDone)]
    assert [s.erased for s in steps if isinstance(s, ErasureStepDone)] == [
        {"ledger_items": 2, "twilio_media": 0, "twilio_messages": 3},
        {},
    ]


async def test_erasure_waits_out_twilio_being_away() -> None:
    class Away(RecordingSender):
        async def messages_between(self, *, from_: str, to: str, limit: int) -> list[str]:
            raise SendError(503, 20503, "unavailable")

    deps = messenger(Away())
    erasure = ErasureRequested(erasure_id="e1", sender_id=CUSTOMER)
    with pytest.raises(TransientError):
        await handle_erasure_requested(
            *unwrap(Envelope.wrap(erasure, source="p", correlation_id="e1")), deps=deps
        )


def template(reply_id: str = "FR1:template") -> Envelope:
    event = TemplateRequested(
        reply_id=reply_id,
        session_id="s1",
        recipient=CUSTOMER,
        content_sid="HX" + "a" * 32,
        content_variables={"1": "Acme kettle"},
        preview="How was your Acme kettle?",
    )
    return Envelope.wrap(event, source="analyzer", correlation_id="FR1")


async def test_a_template_is_sent_once_however_often_it_is_requested() -> None:
    deps = messenger(sender := RecordingSender())
    for _ in range(2):
        await handle_template_requested(*unwrap(template()), deps=deps)
    assert [body for _, _, body, _ in sender.sent] == [f'HX{"a" * 32} {{"1": "Acme kettle"}}']
    sent = [e.data for e in published(deps).of_type(ReplySent)]
    assert len(sent) == 2 and sent[0] == sent[1]  # the redelivery reports the same SID


async def test_a_template_to_an_opted_out_customer_is_refused() -> None:
    deps = replace(messenger(sender := RecordingSender()), consent=InMemoryConsentStore())
    await deps.consent.set(CUSTOMER, Consent(True, "keyword"))
    await handle_template_requested(*unwrap(template()), deps=deps)
    (failed,) = [e.data for e in published(deps).of_type(ReplyFailed)]
    assert isinstance(failed, ReplyFailed) and failed.error_code == "opted_out"
    assert sender.sent == []


async def test_an_unsettled_template_is_not_mistaken_for_the_reply_sent_before_it() -> None:
    ledger = InMemorySendLedger()
    deps = messenger(sender := RecordingSender(), ledger)
    await handle_reply_requested(*unwrap(request("Hi!")), deps=deps)  # sent just before
    await asyncio.sleep(0.01)
    ledger.records["FR1:template#0"] = Claim("sending", claimed_at=datetime.now(UTC))
    with pytest.raises(TransientError):  # it may still reach Twilio: ask again later
        await handle_template_requested(*unwrap(template()), deps=deps)
    # Claimed long ago and nothing reached the customer since: it never went, so it goes now.
    fresh = messenger(sender := RecordingSender(), ledger)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    ledger.records["FR1:template#0"] = Claim("sending", claimed_at=long_ago)
    await handle_template_requested(*unwrap(template()), deps=fresh)
    assert [body[:2] for _, _, body, _ in sender.sent] == ["HX"]
