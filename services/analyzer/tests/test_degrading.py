"""The LLM's breaker opens for outages, not for a rate limit: a 429 over the requests a minute
is answered offline for that turn only, while a quota that ran out counts as an outage."""

from __future__ import annotations

import httpx
import openai
import pytest

from analyzer.degrading import DegradingVerdicts
from analyzer.offline import OfflineVerdicts
from analyzer.verdict import Conversation, Decision, Turn, Verdict
from standins.openai_verdicts import verdict

pytestmark = pytest.mark.unit
ASKED = Conversation(message=Turn(role="customer", text="hello"))


class ScriptedLLM:
    """Raises or answers as scripted, one step a call; counts its calls."""

    def __init__(self, *steps: Exception | None) -> None:
        self.steps, self.calls = list(steps), 0

    async def decide(self, conversation: Conversation) -> Decision:
        self.calls += 1
        step = self.steps.pop(0) if self.steps else None
        if step is not None:
            raise step
        return Decision(Verdict.model_validate(verdict("From the LLM")))


def too_many(code: str) -> openai.RateLimitError:
    request = httpx.Request("POST", "http://llm/v1/chat/completions")
    body = {"message": "slow down", "type": "requests", "param": None, "code": code}
    return openai.RateLimitError("429", response=httpx.Response(429, request=request), body=body)


def breaker(llm: ScriptedLLM) -> DegradingVerdicts:
    return DegradingVerdicts(llm, OfflineVerdicts(), failure_threshold=3, cooldown_s=60)


async def test_a_rate_limit_answers_that_turn_offline_and_keeps_the_llm() -> None:
    llm = ScriptedLLM(*[too_many("rate_limit_exceeded")] * 5)
    verdicts = breaker(llm)
    for _ in range(5):
        assert (await verdicts.decide(ASKED)).verdict.reply != "From the LLM"
    assert (await verdicts.decide(ASKED)).verdict.reply == "From the LLM"
    assert llm.calls == 6  # every turn was offered to the LLM


async def test_an_exhausted_quota_opens_the_breaker_like_an_outage() -> None:
    llm = ScriptedLLM(*[too_many("insufficient_quota")] * 3)
    verdicts = breaker(llm)
    for _ in range(5):
        assert (await verdicts.decide(ASKED)).verdict.reply != "From the LLM"
    assert llm.calls == 3  # open after three: the other turns went straight offline


async def test_server_errors_open_the_breaker() -> None:
    request = httpx.Request("POST", "http://llm/v1/chat/completions")
    down = openai.InternalServerError(
        "500", response=httpx.Response(500, request=request), body=None
    )
    llm = ScriptedLLM(down, down, down)
    verdicts = breaker(llm)
    for _ in range(4):
        await verdicts.decide(ASKED)
    assert llm.calls == 3
