"""The OpenAI adapter: strict structured outputs, `json_object` fallback, one re-ask."""

from __future__ import annotations

import logging
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from opentelemetry import metrics, trace
from pydantic import ValidationError

from analyzer.prompt import build_messages
from analyzer.verdict import Conversation, Decision, Usage, Verdict, VerdictUnavailable

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("analyzer.llm")
_tokens = metrics.get_meter("analyzer.llm").create_counter(
    "gen_ai.client.tokens", unit="{token}", description="Tokens the LLM billed, by model and type"
)
REASK = (
    "Your previous answer was not valid for the required JSON schema ({error}). "
    "Answer again with only the JSON object."
)

# Every field is required and no others are allowed, as strict structured outputs demand.
STRICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "verdict", "strict": True, "schema": Verdict.model_json_schema()},
}


class OpenAIVerdicts:
    """Asks an OpenAI (or compatible) chat-completions endpoint for a `Verdict`."""

    def __init__(self, client: openai.AsyncOpenAI, *, model: str, budget_tokens: int) -> None:
        self._client = client
        self._model = model
        self._budget = budget_tokens
        self._strict_schema = True  # switched off once a server says it lacks json_schema

    async def decide(self, conversation: Conversation) -> Decision:
        """One verdict; invalid output gets one re-ask, then `VerdictUnavailable`."""
        messages: list[dict[str, Any]] = build_messages(conversation, budget_tokens=self._budget)
        raw, usage = await self._ask(messages)
        try:
            return Decision(Verdict.model_validate_json(raw), usage)
        except ValidationError as invalid:
            error = str(invalid)
        log.warning("invalid verdict, re-asking", extra={"error": error[:300]})
        messages += [
            {"role": "assistant", "content": raw},
            {"role": "user", "content": REASK.format(error=error[:500])},
        ]
        raw, again = await self._ask(messages)
        usage += again
        try:
            return Decision(Verdict.model_validate_json(raw), usage)
        except ValidationError as invalid:
            message = f"invalid output twice: {str(invalid)[:300]}"
            raise VerdictUnavailable(message, usage) from invalid

    async def _ask(self, messages: list[dict[str, Any]]) -> tuple[str, Usage]:
        try:
            return await self._complete(messages)
        except openai.BadRequestError as rejected:
            if not self._strict_schema or "response_format" not in str(rejected):
                raise
            log.warning("server lacks strict json_schema; using json_object mode")
            self._strict_schema = False
            return await self._complete(messages)

    async def _complete(self, messages: list[dict[str, Any]]) -> tuple[str, Usage]:
        """One chat completion in a GenAI client span (OpenTelemetry's gen_ai conventions)."""
        response_format = STRICT_FORMAT if self._strict_schema else {"type": "json_object"}
        with _tracer.start_as_current_span(
            f"chat {self._model}", kind=trace.SpanKind.CLIENT
        ) as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.set_attribute("gen_ai.request.model", self._model)
            # The SDK's own POST (auth, retries, timeout and error types as
            # `chat.completions.create`) without its parameter transform, which walks every
            # message through typing introspection: plain JSON needs none, and it was a sixth of
            # the analyzer's CPU.
            completion = await self._client.post(
                "/chat/completions",
                cast_to=ChatCompletion,
                body={
                    "model": self._model,
                    "messages": messages,
                    "response_format": response_format,
                },
            )
            usage = _usage(completion)
            span.set_attribute("gen_ai.response.model", completion.model)
            span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
        for kind, count in (("input", usage.input_tokens), ("output", usage.output_tokens)):
            _tokens.add(count, {"gen_ai.request.model": self._model, "gen_ai.token.type": kind})
        return completion.choices[0].message.content or "", usage


def _usage(completion: ChatCompletion) -> Usage:
    if completion.usage is None:  # some compatible servers leave it out
        return Usage()
    return Usage(completion.usage.prompt_tokens, completion.usage.completion_tokens)
