"""Use the LLM while it works; fall back to the offline analyzer while it keeps failing."""

from __future__ import annotations

import logging
import time

import openai
from opentelemetry import metrics

from analyzer.verdict import Conversation, Decision, Verdict, VerdictSource, VerdictUnavailable

log = logging.getLogger(__name__)
_offline_turns = metrics.get_meter("analyzer.llm").create_counter(
    "analyzer.llm.turns_without_llm",
    unit="{turn}",
    description="Turns the LLM did not answer, by reason: outage, rate_limit, quota, "
    "breaker_open (the offline analyzer answered) or invalid_output (the polite fallback)",
)
# The 429 that waiting does not clear (OpenAI's error code for an account out of credit).
QUOTA_EXHAUSTED = "insufficient_quota"
FALLBACK_REPLY = "Sorry, I didn't quite get that. Could you say it again in a few words?"


class DegradingVerdicts:
    """The primary source, with a polite reply for bad output and a breaker for outages.

    A 429 for the requests or tokens a minute is not an outage: the offline analyzer answers
    that turn (the SDK has already waited as long as the 429 said, OPENAI_MAX_RETRIES times),
    and the next turns still go to the LLM. Counted towards the breaker, a rate limit a little
    below the traffic opened it again and again, and every customer got the offline flow."""

    def __init__(
        self,
        primary: VerdictSource,
        offline: VerdictSource,
        *,
        failure_threshold: int,
        cooldown_s: float,
    ) -> None:
        self._primary = primary
        self._offline = offline
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._failures = 0
        self._open_until = 0.0

    async def decide(self, conversation: Conversation) -> Decision:
        """A verdict from the LLM, the polite fallback, or the offline flow."""
        if time.monotonic() < self._open_until:
            _offline_turns.add(1, {"reason": "breaker_open"})
            return await self._offline.decide(conversation)
        try:
            decision = await self._primary.decide(conversation)
        except VerdictUnavailable as unavailable:
            _offline_turns.add(1, {"reason": "invalid_output"})
            self._failed()
            return Decision(polite_fallback(conversation), unavailable.usage)
        except openai.RateLimitError as error:
            if error.code == QUOTA_EXHAUSTED:  # billing: no call succeeds until someone pays
                log.warning("LLM quota exhausted; offline analyzer answers")
                _offline_turns.add(1, {"reason": "quota"})
                self._failed()
            else:  # over the requests or tokens a minute: the LLM is up, this call one too many
                log.warning("LLM rate limit reached; offline analyzer answers this turn")
                _offline_turns.add(1, {"reason": "rate_limit"})
            return await self._offline.decide(conversation)
        except (openai.APIError, TimeoutError) as error:
            log.warning("LLM unavailable (%r); offline analyzer answers", error)
            _offline_turns.add(1, {"reason": "outage"})
            self._failed()
            return await self._offline.decide(conversation)
        self._failures = 0
        return decision

    def _failed(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold:
            log.error("LLM keeps failing; offline analyzer for %.0fs", self._cooldown_s)
            self._open_until = time.monotonic() + self._cooldown_s
            self._failures = 0


def polite_fallback(conversation: Conversation) -> Verdict:
    """A verdict that changes nothing and asks the customer to rephrase."""
    return Verdict(
        reply=FALLBACK_REPLY,
        is_feedback_session_complete=False,
        should_persist_reply=True,
        is_unsafe=False,
        is_irrelevant=False,
        product_name=conversation.product_name,
        feedback=conversation.feedback,
        media_urls=list(conversation.session_media),
        rating=conversation.rating,
        next_step=conversation.step,
    )
