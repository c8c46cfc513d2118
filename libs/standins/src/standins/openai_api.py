"""An OpenAI-compatible `/v1/chat/completions` stand-in whose answers a test scripts."""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from standins.faults import Faults, Refusal
from standins.tokens import count_prompt, count_text


@dataclass(frozen=True)
class Answer:
    """Reply with this message content (valid JSON or not)."""

    content: str


@dataclass(frozen=True)
class Failure:
    """Reply with an HTTP error, optionally with a Retry-After header."""

    status: int
    retry_after_s: float | None = None
    message: str = "scripted failure"
    code: str | None = None  # the error's code, as "insufficient_quota" for a 429 out of credit


@dataclass(frozen=True)
class Stall:
    """Answer only after this long (longer than the client's timeout, for a timeout)."""

    seconds: float


Step = Answer | Failure | Stall
Responder = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Latency:
    """How long a real model takes to answer: lognormal around `median_s` (sigma 0 is fixed).

    Model latency is right-skewed (a long tail of slow answers), which a lognormal captures:
    median 1.5 s with sigma 0.6 gives a mean of ~1.8 s and a p99 of ~6 s."""

    median_s: float = 0.0
    sigma: float = 0.0

    def sample(self, draw: random.Random) -> float:
        """One delay in seconds."""
        if self.median_s <= 0 or self.sigma <= 0:
            return max(self.median_s, 0.0)
        return draw.lognormvariate(math.log(self.median_s), self.sigma)

    def quantile(self, share: float) -> float:
        """The delay this share of answers stays within (the median at 0.5), in seconds."""
        if self.median_s <= 0 or self.sigma <= 0:
            return max(self.median_s, 0.0)
        return self.median_s * math.exp(self.sigma * NormalDist().inv_cdf(share))


@dataclass
class OpenAIState:
    """Scripted steps, served in order; then `default` answers; every request is recorded,
    unless `recorded` is off (the stand-in's own process, where nothing reads them: a long run
    would hold every body, and its garbage collector would walk them all)."""

    script: list[Step] = field(default_factory=list)
    default: Responder | None = None
    supports_json_schema: bool = True
    latency: Latency = Latency()
    faults: Faults = field(default_factory=Faults)  # server errors and the rate limit
    draw: random.Random = field(default_factory=random.Random)
    requests: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    recorded: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0  # requests being answered now
    peak_in_flight: int = 0  # the most ever answered at once: how concurrent a client is

    def then(self, *steps: Step) -> None:
        """Append steps to the script."""
        with self.lock:
            self.script.extend(steps)

    def answer_json(self, **verdict: Any) -> None:
        """Append an answer whose content is this JSON object."""
        self.then(Answer(json.dumps(verdict)))


def _error(
    status: int, message: str, headers: dict[str, str] | None = None, code: str | None = None
) -> JSONResponse:
    kind = code or ("rate_limit_exceeded" if status == 429 else "server_error")
    body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
    return JSONResponse(body, status_code=status, headers=headers)


def _rate_limited(refusal: Refusal, per_minute: float) -> JSONResponse:
    """OpenAI's answer over the requests-per-minute limit: how long to wait, in its headers."""
    wait_ms = max(1, math.ceil(refusal.retry_after_s * 1000))
    headers = {
        "retry-after-ms": str(wait_ms),
        "retry-after": str(math.ceil(wait_ms / 1000)),
        "x-ratelimit-limit-requests": str(int(per_minute)),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": f"{wait_ms}ms",
    }
    message = f"Rate limit reached for requests. Limit: {per_minute:g} / min."
    return _error(429, message, headers)


def _completion(model: str, content: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    prompt, completion = count_prompt(messages), count_text(content)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def create_app(state: OpenAIState) -> FastAPI:
    """The stand-in's routes over `state`."""
    app = FastAPI(title="OpenAI API stand-in")

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        if (refusal := state.faults.admit()) is not None:
            return _rate_limited(refusal, state.faults.per_minute)
        try:
            return await _answer(state, body)
        finally:
            state.faults.release()

    @app.get("/_standin/stats")
    async def stats() -> dict[str, Any]:
        """What the stand-in answered, by outcome, and the most requests it held at once."""
        return {"outcomes": dict(state.faults.outcomes), "peak_in_flight": state.peak_in_flight}

    return app


async def _answer(state: OpenAIState, body: dict[str, Any]) -> JSONResponse:
    """A completion (or a scripted failure) after the model's latency."""
    with state.lock:
        state.in_flight += 1
        state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
    try:
        if (wait := state.latency.sample(state.draw)) > 0:  # the model's time to answer
            await asyncio.sleep(wait)
    finally:
        with state.lock:
            state.in_flight -= 1
    if state.faults.fails():
        return _error(500, "The server had an error while processing your request.")
    response_format = body.get("response_format") or {}
    with state.lock:
        if state.recorded:
            state.requests.append((time.monotonic(), body))
        if response_format.get("type") == "json_schema" and not state.supports_json_schema:
            return _error(400, "Invalid parameter: 'response_format' of type 'json_schema'")
        step = state.script.pop(0) if state.script else None
    if isinstance(step, Failure):
        headers = {"retry-after": str(step.retry_after_s)} if step.retry_after_s else None
        return _error(step.status, step.message, headers, step.code)
    if isinstance(step, Stall):
        await asyncio.sleep(step.seconds)
        step = None
    if step is None:
        if state.default is None:
            return _error(500, "no scripted answer left")
        step = Answer(state.default(body))
    model = body.get("model", "stand-in")
    return JSONResponse(_completion(model, step.content, body.get("messages") or []))


def verdict(reply: str, next_step: str = "ask_product", **fields: Any) -> dict[str, Any]:
    """A verdict as the analyzer's schema wants it: every field, these values over the defaults."""
    return {
        "reply": reply,
        "is_feedback_session_complete": False,
        "should_persist_reply": True,
        "is_unsafe": False,
        "is_irrelevant": False,
        "product_name": None,
        "feedback": None,
        "media_urls": [],
        "next_step": next_step,
        **fields,
    }


def acknowledging_responder(body: dict[str, Any]) -> str:
    """A verdict that acknowledges the customer's last message and keeps the session open."""
    text = str(body["messages"][-1]["content"])
    said = text.split("<customer_message>")[-1].split("</customer_message>")[0].strip()
    return json.dumps(verdict(f"Noted: {said}"))


def main() -> None:
    """Run the stand-in as its own process, acknowledging every message (after its latency)."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-median-s", type=float, default=0.0)
    parser.add_argument("--latency-sigma", type=float, default=0.0, help="0: a fixed delay")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share answered 500")
    parser.add_argument(
        "--requests-per-minute", type=float, default=0.0, help="over it a 429; 0: no limit"
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    latency = Latency(args.latency_median_s, args.latency_sigma)
    faults = Faults(
        error_rate=args.error_rate,
        per_minute=args.requests_per_minute,
        draw=random.Random(args.seed),
    )
    state = OpenAIState(
        default=acknowledging_responder,
        latency=latency,
        faults=faults,
        draw=random.Random(args.seed),
        recorded=False,
    )
    uvicorn.run(create_app(state), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
