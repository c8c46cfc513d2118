"""The offline analyzer: the same verdicts from a scripted flow, without any LLM.

Product, then feedback, then a 1-5 rating (unless the business asks for none, or the customer
gave one already; asked twice at most, never guessed), then an optional photo, then a
confirmation, in the customer's language. Greetings, thanks, small talk and bare emoji are
answered and the question asked again; questions and requests off the topic are steered back
(irrelevant); abuse is unsafe; "no, I meant ..." corrects the product; channel keywords (STOP,
HELP), greetings, the wish to give feedback and "I bought" never become part of a product.
"""

from __future__ import annotations

from analyzer.language import Language, customer_language
from analyzer.phrases import question_for, say
from analyzer.rating import answered_rating, volunteered_rating
from analyzer.understanding import correction, is_opinion, kind_of, product_mention, starts_with
from analyzer.verdict import Conversation, Decision, Verdict

# Answered, then the step's question asked again.
POLITE = {
    "greeting": "greet",
    "small_talk": "small_talk",
    "thanks": "thanks",
    "intent": "intent",
    "emoji": None,
}
RATING_ASKS = 2  # the rating question, and once more


def _verdict(conversation: Conversation, reply: str, **changes: object) -> Verdict:
    values: dict[str, object] = {
        "reply": reply,
        "is_feedback_session_complete": False,
        "should_persist_reply": True,
        "is_unsafe": False,
        "is_irrelevant": False,
        "product_name": conversation.product_name,
        "feedback": conversation.feedback,
        "media_urls": list(conversation.session_media + conversation.message.media_urls),
        "rating": conversation.rating,
        "next_step": conversation.step,
        **changes,
    }
    return Verdict.model_validate(values)


def _language(conversation: Conversation) -> Language:
    return customer_language(conversation.history, conversation.message.text)


def _question(conversation: Conversation, language: Language) -> str:
    """What the current step asks of the customer."""
    return question_for(conversation.step, conversation.product_name, language)


class OfflineVerdicts:
    """The scripted flow behind the `VerdictSource` port."""

    async def decide(self, conversation: Conversation) -> Decision:
        """The next verdict of the scripted flow; it costs no tokens."""
        return Decision(self.verdict(conversation))

    def verdict(self, conversation: Conversation) -> Verdict:
        """The next verdict of the scripted flow, from the state and the message alone."""
        text, language = conversation.message.text.strip(), _language(conversation)
        kind = kind_of(text) if text else "emoji"
        has_media = bool(conversation.message.media_urls)
        if kind == "abuse":
            reply = say("respectful", language)
            return _verdict(conversation, reply, is_unsafe=True, should_persist_reply=False)
        if conversation.step == "confirm" and (kind == "yes" or text in ("👍", "👌", "✅")):
            return self._confirmed(conversation, language)
        if conversation.step == "ask_rating" and (rating := answered_rating(text)) is not None:
            return self._photo_next(conversation, say("ask_photo", language), rating=rating)
        if kind in POLITE and not has_media:
            courtesy = POLITE[kind]
            opening = f"{say(courtesy, language)} " if courtesy else ""
            return _verdict(conversation, opening + _question(conversation, language))
        if kind in ("question", "keyword"):  # acknowledged, then the step's question again
            reply = say("steer_back", language, question=_question(conversation, language))
            return _verdict(conversation, reply, is_irrelevant=True, should_persist_reply=False)
        return self._step(conversation, text, language)

    def _step(self, conversation: Conversation, text: str, language: Language) -> Verdict:
        step = conversation.step
        if step == "ask_feedback":
            return self._feedback(conversation, text, language)
        if step == "ask_rating":
            return self._rating(conversation, text, language)
        if step == "ask_photo":
            return self._photo(conversation, text, language)
        if step == "confirm":
            return self._confirm(conversation, text, language)
        return self._product(conversation, text, language)

    def _product(self, conversation: Conversation, text: str, language: Language) -> Verdict:
        product = product_mention(text)
        if product is None:
            return _verdict(conversation, say("ask_product", language))
        if conversation.feedback:  # a corrected product: the feedback still stands
            return self._summary(
                conversation.model_copy(update={"product_name": product}), language
            )
        reply = say("ask_feedback", language, product=product)
        return _verdict(conversation, reply, product_name=product, next_step="ask_feedback")

    def _feedback(self, conversation: Conversation, text: str, language: Language) -> Verdict:
        if (named := correction(text)) is not None:
            return self._corrected(conversation, named, language)
        if not is_opinion(text):
            reply = say("ask_opinion", language, product=conversation.product_name or "")
            return _verdict(conversation, reply)
        rated = conversation.model_copy(
            update={"feedback": text, "rating": conversation.rating or volunteered_rating(text)}
        )
        if rated.wants_rating and rated.rating is None:
            reply = say("ask_rating", language, product=conversation.product_name or "")
            return _verdict(rated, reply, next_step="ask_rating")
        return self._photo_next(rated, say("ask_photo", language))

    def _rating(self, conversation: Conversation, text: str, language: Language) -> Verdict:
        """Not a rating (that was read before): corrected product, a photo (the customer moved
        on), declined, or asked again once; then skipped, as a rating is never invented."""
        if (named := correction(text)) is not None:
            return self._corrected(conversation, named, language)
        if conversation.message.media_urls:
            return self._photo(conversation, text, language)
        if starts_with(text, "no") or conversation.rating_asks >= RATING_ASKS:
            skipped = f"{say('rating_skipped', language)} {say('ask_photo', language)}"
            return self._photo_next(conversation, skipped)
        return _verdict(conversation, say("rating_again", language))

    def _photo_next(self, conversation: Conversation, reply: str, **changes: object) -> Verdict:
        return _verdict(conversation, reply, next_step="ask_photo", **changes)

    def _photo(self, conversation: Conversation, text: str, language: Language) -> Verdict:
        if not conversation.message.media_urls and not starts_with(text, "no"):
            return _verdict(conversation, say("photo_or_no", language))
        got = say("got_photo", language) if conversation.message.media_urls else ""
        return self._summary(conversation, language, prefix=got)

    def _summary(self, conversation: Conversation, language: Language, prefix: str = "") -> Verdict:
        summary = f"{conversation.product_name}: {conversation.feedback}"
        if conversation.rating is not None:
            summary += f" ({conversation.rating}/5)"
        reply = prefix + say("confirm", language, summary=summary)
        return _verdict(
            conversation, reply, product_name=conversation.product_name, next_step="confirm"
        )

    def _confirm(self, conversation: Conversation, text: str, language: Language) -> Verdict:
        if (named := correction(text)) is not None:
            return self._corrected(conversation, named, language)
        if starts_with(text, "yes"):  # "yes please", "sim, pode enviar"
            return self._confirmed(conversation, language)
        if starts_with(text, "no"):
            reply = say("start_over", language)
            return _verdict(
                conversation,
                reply,
                product_name=None,
                feedback=None,
                rating=None,
                next_step="ask_product",
            )
        return _verdict(conversation, say("confirm_again", language))

    def _confirmed(self, conversation: Conversation, language: Language) -> Verdict:
        return _verdict(
            conversation,
            say("recorded", language),
            is_feedback_session_complete=True,
            next_step="done",
        )

    def _corrected(self, conversation: Conversation, named: str, language: Language) -> Verdict:
        """ "No, I meant X": X is the product now; "the other one" asks which one."""
        product = product_mention(named)
        if product is None:
            reply = say("which_product", language)
            return _verdict(conversation, reply, product_name=None, next_step="ask_product")
        corrected = conversation.model_copy(update={"product_name": product})
        if conversation.feedback:
            return self._summary(corrected, language)
        reply = say("ask_feedback", language, product=product)
        return _verdict(corrected, reply, product_name=product, next_step="ask_feedback")
