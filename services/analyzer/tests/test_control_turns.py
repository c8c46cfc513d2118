"""Control turns: only messages whose meaning is certain skip the LLM."""

from __future__ import annotations

import pytest

from analyzer.control import ControlTurnsOffline, is_control_turn
from analyzer.verdict import Conversation, Decision, Step, Turn, Usage, Verdict
from standins.openai_verdicts import verdict

pytestmark = pytest.mark.unit
PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


def turn(
    text: str,
    step: Step = "ask_product",
    *,
    media: tuple[str, ...] = (),
    history: tuple[Turn, ...] = (),
    product: str | None = None,
) -> Conversation:
    return Conversation(
        product_name=product,
        feedback="It leaks" if step in ("ask_photo", "confirm") else None,
        step=step,
        history=history,
        message=Turn(role="customer", text=text, media_urls=media),
    )


@pytest.mark.parametrize(
    ("conversation", "control"),
    [
        (turn("yes", "confirm", product="kettle"), True),
        (turn("sim", "confirm", product="kettle"), True),
        (turn("no", "ask_photo", product="kettle"), True),
        (turn("", "ask_photo", media=(PHOTO,), product="kettle"), True),
        (turn("Hello!"), True),
        (turn("Olá"), True),
        # more than a bare word, or a yes/no nobody asked for: the LLM
        (turn("yes but the feedback is wrong", "confirm", product="kettle"), False),
        (turn("no, the lid also rattles", "ask_photo", product="kettle"), False),
        (turn("yes", "ask_product"), False),
        (turn("no", "ask_feedback", product="kettle"), False),
        (turn("here it is, the crack", "ask_photo", media=(PHOTO,), product="kettle"), False),
        (turn("Hello!", history=(Turn(role="customer", text="hi"),)), False),
        (turn("Hi, my kettle leaks"), False),
        (turn("The Acme kettle"), False),
    ],
)
def test_only_certain_turns_are_control_turns(conversation: Conversation, control: bool) -> None:
    assert is_control_turn(conversation) is control


class CountingLlm:
    def __init__(self) -> None:
        self.asked = 0

    async def decide(self, conversation: Conversation) -> Decision:
        self.asked += 1
        answer = verdict("from the LLM", "ask_feedback", product_name="Acme kettle")
        return Decision(Verdict.model_validate(answer), Usage(100, 10))


async def test_a_control_turn_costs_no_tokens_and_the_rest_reach_the_llm() -> None:
    llm = CountingLlm()
    source = ControlTurnsOffline(llm)
    confirmed = await source.decide(turn("yes", "confirm", product="kettle"))
    assert confirmed.verdict.is_feedback_session_complete and confirmed.usage == Usage()
    assert llm.asked == 0
    answered = await source.decide(turn("The Acme kettle"))
    assert answered.verdict.reply == "from the LLM" and llm.asked == 1
