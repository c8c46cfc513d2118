"""Build the LLM's messages: the versioned system prompt, state, bounded history, the message."""

from __future__ import annotations

from importlib import resources

from analyzer.verdict import Conversation, Turn

PROMPT_VERSION = "system_v3"
_TEXT = resources.files("analyzer").joinpath(f"prompts/{PROMPT_VERSION}.md").read_text()
SYSTEM_PROMPT, *_SECTIONS = _TEXT.split("\n## step ")
# Each turn carries the rules and only its own step's instruction: the prompt is most of every
# call's tokens, and the other steps' instructions are of no use to the turn.
STEP_PROMPTS = {
    name: text.strip() for name, _, text in (section.partition("\n") for section in _SECTIONS)
}
FULL_PROMPT = _TEXT  # every step's instruction at once: what a single prompt would carry
CHARS_PER_TOKEN = 4
# Turns kept at most, whatever their tokens: the state block summarizes the conversation, and
# without it a session of short messages kept ~375 turns (1,500 tokens at four or more a turn)
# in memory and in its DynamoDB item.
MAX_TURNS = 40


def system_prompt(step: str) -> str:
    """The rules and the instruction of the conversation's current step."""
    return f"{SYSTEM_PROMPT.strip()}\n\n{STEP_PROMPTS[step]}"


def estimate_tokens(text: str) -> int:
    """A cheap, conservative token estimate (about four characters a token)."""
    return len(text) // CHARS_PER_TOKEN + 4


def bounded_history(history: tuple[Turn, ...], budget_tokens: int) -> list[Turn]:
    """The most recent turns that fit the budget, MAX_TURNS at most; older ones are dropped
    (state summarizes them)."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        cost = estimate_tokens(turn.text)
        if used + cost > budget_tokens or len(kept) == MAX_TURNS:
            break
        kept.append(turn)
        used += cost
    return list(reversed(kept))


def _delimited(turn: Turn) -> str:
    # The customer cannot close the delimiter early: any tag-like text of theirs is neutralized.
    safe = turn.text.replace("<", "&lt;").replace(">", "&gt;")
    heard = "\n[a voice note, transcribed]" if turn.transcribed else ""
    return f"<customer_message>\n{safe}\n</customer_message>{heard}"


def _state(conversation: Conversation) -> str:
    media = "\n".join(f"- {url}" for url in conversation.session_media) or "- (none)"
    return (
        "Conversation state (summary of everything earlier):\n"
        f"- product_name: {conversation.product_name or '(unknown)'}\n"
        f"- feedback: {conversation.feedback or '(none yet)'}\n"
        f"- rating: {_rating_state(conversation)}\n"
        f"- current step: {conversation.step}\n"
        f"Media received in this session:\n{media}"
    )


def _rating_state(conversation: Conversation) -> str:
    if conversation.rating is not None:
        return f"{conversation.rating} of 5"
    if not conversation.wants_rating:
        return "not wanted (skip the rating)"
    return f"wanted, none yet (asked {conversation.rating_asks} times)"


def build_messages(conversation: Conversation, *, budget_tokens: int) -> list[dict[str, str]]:
    """Chat-completions messages for one turn."""
    messages = [
        {"role": "system", "content": system_prompt(conversation.step)},
        {"role": "system", "content": _state(conversation)},
    ]
    for turn in bounded_history(conversation.history, budget_tokens):
        if turn.role == "assistant":
            messages.append({"role": "assistant", "content": turn.text})
        else:
            messages.append({"role": "user", "content": _delimited(turn)})
    attached = "".join(f"\n[attached media: {url}]" for url in conversation.message.media_urls)
    messages.append({"role": "user", "content": _delimited(conversation.message) + attached})
    return messages
