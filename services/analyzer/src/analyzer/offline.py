"""The offline analyzer: the same verdicts from a scripted flow, without any LLM."""

from __future__ import annotations

import re

from analyzer.verdict import Conversation, Decision, Verdict

_YES = re.compile(r"^\s*(yes|y|yeah|yep|sure|ok|okay|correct|confirm|si|sí|ja)\b", re.I)
_NO = re.compile(r"^\s*(no|n|nope|skip|none|nothing|not now)\b", re.I)
_UNSAFE = re.compile(r"\b(kill|bomb|shoot|rape|terrorist|fuck\s*you)\b", re.I)


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
        "next_step": conversation.step,
        **changes,
    }
    return Verdict.model_validate(values)


class OfflineVerdicts:
    """Ask for the product, then the feedback, then an optional photo, then confirm."""

    async def decide(self, conversation: Conversation) -> Decision:
        """The next verdict of the scripted flow; it costs no tokens."""
        return Decision(self.verdict(conversation))

    def verdict(self, conversation: Conversation) -> Verdict:
        """The next verdict of the scripted flow, from the state and the message alone."""
        text = conversation.message.text.strip()
        if _UNSAFE.search(text):
            return _verdict(
                conversation,
                "Let's keep this respectful. I'm here to collect product feedback.",
                is_unsafe=True,
                should_persist_reply=False,
            )
        step = conversation.step
        if step == "ask_product":
            return self._product(conversation, text)
        if step == "ask_feedback":
            return self._feedback(conversation, text)
        if step == "ask_photo":
            return self._photo(conversation, text)
        return self._confirm(conversation, text)

    def _product(self, conversation: Conversation, text: str) -> Verdict:
        if not conversation.history or len(text) < 2 or len(text) > 80:
            return _verdict(conversation, "Hi! Which product would you like to give feedback on?")
        return _verdict(
            conversation,
            f"Thanks! What do you think of {text}?",
            product_name=text,
            next_step="ask_feedback",
        )

    def _feedback(self, conversation: Conversation, text: str) -> Verdict:
        if not text:
            return _verdict(conversation, "What do you think of it? A sentence or two is plenty.")
        return _verdict(
            conversation,
            "Would you like to add a photo? Send it now, or reply 'no'.",
            feedback=text,
            next_step="ask_photo",
        )

    def _photo(self, conversation: Conversation, text: str) -> Verdict:
        if not conversation.message.media_urls and not _NO.match(text):
            return _verdict(conversation, "Send a photo now, or reply 'no' to skip it.")
        summary = f"{conversation.product_name}: {conversation.feedback}"
        got = "Got your photo. " if conversation.message.media_urls else ""
        return _verdict(
            conversation,
            f'{got}Shall I submit this feedback? "{summary}" Reply yes or no.',
            next_step="confirm",
        )

    def _confirm(self, conversation: Conversation, text: str) -> Verdict:
        if _YES.match(text):
            return _verdict(
                conversation,
                "Thank you! Your feedback has been recorded.",
                is_feedback_session_complete=True,
                next_step="done",
            )
        if _NO.match(text):
            return _verdict(
                conversation,
                "No problem, let's start over. Which product is it about?",
                product_name=None,
                feedback=None,
                next_step="ask_product",
            )
        return _verdict(
            conversation, "Please reply yes to submit your feedback, or no to change it."
        )
