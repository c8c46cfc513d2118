"""What the analyzer's handlers are given: the adapters, the conversation's rules, the price."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from analyzer.sessions import (
    SessionStore,
)
from analyzer.verdict import Usage, VerdictSource
from feedback_contracts import (
    LlmUsage,
)
from service_runtime.consent import ConsentStore
from service_runtime.publishing import Publisher


@dataclass(frozen=True)
class ConversationPolicy:
    """Timing rules of a conversation."""

    inactivity: timedelta = timedelta(minutes=30)
    limit_window: timedelta = timedelta(minutes=10)
    history_token_budget: int = 1500
    irrelevant_limit: int = 3
    ask_rating: bool = True  # a 1-5 rating is asked for once the feedback is given


@dataclass(frozen=True)
class LlmPricing:
    """The LLM the analyzer asks and its price per million tokens, for the cost estimate."""

    model: str | None = None  # None: the offline analyzer, which costs nothing
    input_per_million_usd: float = 0.0
    output_per_million_usd: float = 0.0
    transcription_per_minute_usd: float = 0.0

    def usage(self, used: Usage) -> LlmUsage:
        """A session's tokens with their estimated cost, voice notes' minutes included."""
        cost = (
            used.input_tokens * self.input_per_million_usd
            + used.output_tokens * self.output_per_million_usd
        ) / 1_000_000 + used.audio_seconds / 60 * self.transcription_per_minute_usd
        return LlmUsage(
            model=self.model,
            input_tokens=used.input_tokens,
            output_tokens=used.output_tokens,
            estimated_cost_usd=round(cost, 8),
        )


@dataclass(frozen=True)
class Analyzer:
    """The adapters the handler needs, wired by the composition root."""

    store: SessionStore
    verdicts: VerdictSource
    publisher: Publisher
    consent: ConsentStore
    policy: ConversationPolicy = ConversationPolicy()
    pricing: LlmPricing = LlmPricing()
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
