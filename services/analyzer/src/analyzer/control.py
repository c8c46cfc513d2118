"""Control turns answered without the LLM: a bare yes or no where the conversation asks for
one, a bare rating ("4", "⭐⭐⭐⭐") when one was asked for, a photo sent when one was offered, a
bare greeting that opens a conversation.

Their meaning is certain (the whole message is one of the offline flow's yes, no or greeting
words, in English, Portuguese or Spanish) and so is what comes next, so an LLM call would add
seconds and tokens, not understanding. Everything else, and anything with more words than
that, goes to the LLM. Measured with `make bench-tokens`: see docs/benchmarks.md.
"""

from __future__ import annotations

from analyzer.offline import OfflineVerdicts
from analyzer.rating import answered_rating
from analyzer.understanding import kind_of
from analyzer.verdict import Conversation, Decision, VerdictSource

BARE_RATING_WORDS = 2  # "4", "4 stars", "cuatro estrellas": a rating and nothing more


def is_control_turn(conversation: Conversation, *, greetings: bool = True) -> bool:
    """Whether the scripted flow answers this turn exactly as the conversation requires."""
    message, step = conversation.message, conversation.step
    text = message.text.strip()
    if message.media_urls:
        return step == "ask_photo" and not text  # the photo that was offered, nothing more
    if not text:
        return False
    kind = kind_of(text)
    if kind in ("yes", "no"):
        return step in ("ask_photo", "confirm", "ask_rating")
    if step == "ask_rating" and len(text.split()) <= BARE_RATING_WORDS:
        return answered_rating(text) is not None
    opening = (
        step == "ask_product"
        and not conversation.product_name
        and not any(turn.role == "customer" for turn in conversation.history)
    )
    return greetings and kind == "greeting" and opening


class ControlTurnsOffline:
    """A `VerdictSource`: control turns from the scripted flow, the rest from `primary`."""

    def __init__(self, primary: VerdictSource, *, greetings: bool = True) -> None:
        self._primary = primary
        self._scripted = OfflineVerdicts()
        self._greetings = greetings

    async def decide(self, conversation: Conversation) -> Decision:
        if is_control_turn(conversation, greetings=self._greetings):
            return await self._scripted.decide(conversation)
        return await self._primary.decide(conversation)
