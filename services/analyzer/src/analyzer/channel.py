"""The channel's rules, before any analysis: opt-out, opt-in and HELP, and silence after STOP.

An opt-out is recorded before it is confirmed, and confirmed once: the confirmation is the
notice the messenger still lets through. A redelivered STOP publishes that same confirmation
again (the messenger sends one); a STOP from an opted-out customer gets nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from analyzer import SOURCE
from analyzer.language import Language
from analyzer.phrases import question_for, say
from analyzer.sessions import Session, minutes_left, session_language
from feedback_contracts import Envelope, InboundMessage, ReplyRequestedV2, reply_id_for
from service_runtime.consent import Consent, ConsentStore, keyword_of
from service_runtime.publishing import Publisher

_LANGUAGE: dict[str, Language] = {
    **dict.fromkeys(["parar", "pare", "sair", "descadastrar", "ajuda"], "pt"),
    **dict.fromkeys(["baja", "alto", "detener", "ayuda"], "es"),
}


async def handled_by_channel(
    envelope: Envelope,
    message: InboundMessage,
    *,
    consent: ConsentStore,
    publisher: Publisher,
    session: Session | None,
    now: datetime,
) -> bool:
    """True when the message was a keyword, or came from an opted-out customer. `session` is
    the customer's open conversation, if any: START picks it up where it stood."""
    current = await consent.get(message.sender_id)
    keyword = keyword_of(message.body, opted_out=current.opted_out)
    reply_id = reply_id_for(message.message_sid)
    word = message.body.strip().strip(".!").lower()
    language = _LANGUAGE.get(word) or (session_language(session) if session else "en")
    if keyword == "opt_out":
        if current.opted_out and current.notice_reply_id != reply_id:
            return True  # confirmed once already
        await consent.set(message.sender_id, Consent(True, "keyword", reply_id))
        await _reply(envelope, message, reply_id, say("opted_out", language), publisher)
        return True
    if keyword == "opt_in" and current.opted_out:
        await consent.set(message.sender_id, Consent(False, "keyword"))
        welcome = welcome_back(session, now, language)
        await _reply(envelope, message, reply_id, welcome, publisher)
        return True
    if keyword == "help":
        if current.opted_out:  # HELP is answered even then: its answer is the notice
            await consent.set(message.sender_id, replace(current, notice_reply_id=reply_id))
        await _reply(envelope, message, reply_id, say("help", language), publisher)
        return True
    return current.opted_out


def welcome_back(session: Session | None, now: datetime, language: Language) -> str:
    """START's answer never invites what the conversation would refuse: while a limit runs it
    says when the customer can go on; otherwise it asks the open conversation's question."""
    if session is not None and session.is_limited(now):
        return say("welcome_back_later", language, minutes=minutes_left(session, now))
    step, product = (session.step, session.product_name) if session else ("ask_product", None)
    return say("welcome_back", language, question=question_for(step, product, language))


async def _reply(
    envelope: Envelope, message: InboundMessage, reply_id: str, body: str, publisher: Publisher
) -> None:
    request = ReplyRequestedV2(
        reply_id=reply_id,
        session_id="channel",
        recipient=message.sender_id,
        body=body,
        customer_message_at=envelope.time,
    )
    await publisher.publish(envelope.follow(request, source=SOURCE))
