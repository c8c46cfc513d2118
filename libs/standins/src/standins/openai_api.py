"""An OpenAI-compatible `/v1/chat/completions` (and `/v1/audio/transcriptions`) stand-in whose
answers a test scripts."""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from standins.faults import Faults, Refusal
from standins.openai_audio import Transcripts, add_routes
from standins.openai_state import Answer, Failure, Latency, OpenAIState, Stall
from standins.openai_verdicts import acknowledging_responder
from standins.tokens import count_prompt, count_text


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


def create_app(state: OpenAIState, transcripts: Transcripts | None = None) -> FastAPI:
    """The stand-in's routes over `state`, and the transcriptions of `transcripts`."""
    app = FastAPI(title="OpenAI API stand-in")
    add_routes(app, transcripts or Transcripts())

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
    parser.add_argument(
        "--transcripts", type=Path, default=None, help="JSON: audio SHA-256 -> text"
    )
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
    transcripts = Transcripts.from_file(args.transcripts)
    uvicorn.run(
        create_app(state, transcripts), host="127.0.0.1", port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
