"""Prompt tokens per completed session: the analyzer's prompt against the whole-history baseline.

Replays a fixed set of scripted conversations through the analyzer's real handler and OpenAI
adapter, against the OpenAI stand-in served on a local port. The stand-in's "model" sees only
the prompt it is sent: it reads the conversation state and the message back out of the prompt
and answers with the offline flow's verdict, so a prompt that dropped something the turn needs
would derail the conversation. Its `usage` counts the prompt with tiktoken, and those counts
reach the analyzer's FeedbackCompleted event.

The baseline is the single-process service's way: one system prompt with every step's
instruction, every earlier turn of the session and the new message, on every turn, counted
with the same tokenizer over the same transcript. The last line is JSON with both means, their
ratio and the analyzer's LLM calls per session (control turns are scripted: analyzer.control).
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
from dataclasses import dataclass
from typing import Any

import openai
import uvicorn
from common import free_port

from analyzer.adapters.openai_verdicts import OpenAIVerdicts
from analyzer.bootstrap import with_control_turns
from analyzer.deps import Analyzer, ConversationPolicy, LlmPricing
from analyzer.handlers import handle_inbound
from analyzer.memory_sessions import InMemorySessionStore
from analyzer.offline import OfflineVerdicts
from analyzer.prompt import FULL_PROMPT
from analyzer.settings import AnalyzerSettings
from analyzer.verdict import Conversation, Turn
from feedback_contracts import (
    Envelope,
    FeedbackCompletedV2,
    InboundMessage,
    MediaItem,
    ReplyRequested,
)
from service_runtime.memory_consent import InMemoryConsentStore
from service_runtime.recording_publisher import RecordingPublisher
from service_runtime.routing import unwrap
from standins.openai_api import create_app
from standins.openai_state import OpenAIState
from standins.tokens import count_prompt

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


@dataclass(frozen=True)
class Script:
    """A customer's turns, and the product and feedback the session must end with."""

    name: str
    turns: tuple[str, ...]
    product: str
    feedback: str
    photo_at: int | None = None  # the turn that carries a photo


SCRIPTS = (
    Script(
        "cooperative",
        (
            "Hello!",
            "The Acme Turbo Kettle",
            "It boils fast but the lid leaks a little.",
            "4",
            "no",
            "yes",
        ),
        "Acme Turbo Kettle",  # the offline flow drops the article, as a person would
        "It boils fast but the lid leaks a little.",
    ),
    Script(
        "with a photo",
        (
            "hi there",
            "Nimbus running shoes, the blue ones",
            "Very comfortable on long runs, though the sole wore out after three months.",
            "four stars",
            "here it is",
            "yes please submit it",
        ),
        "Nimbus running shoes, the blue ones",
        "Very comfortable on long runs, though the sole wore out after three months.",
        photo_at=4,
    ),
    Script(
        "starts over",
        (
            "Good morning",
            "My new coffee grinder",
            "Grinds evenly, but it is loud enough to wake the whole house in the morning.",
            "3",
            "no",
            "no",
            "Sorry, it is the Baratza Encore grinder",
            "Grinds evenly and is easy to clean, but it is loud enough to wake the house.",
            "3/5",
            "no",
            "yes",
        ),
        "Sorry, it is the Baratza Encore grinder",
        "Grinds evenly and is easy to clean, but it is loud enough to wake the house.",
    ),
    Script(
        "detailed",
        (
            "hey",
            "The SoundWave 300 bluetooth speaker I bought last week",
            "The bass is deep and the battery lasts two full days, but pairing with my laptop "
            "fails about half the time and I have to restart both devices to get it working.",
            "⭐⭐⭐",
            "no thanks",
            "yes that's right",
        ),
        "SoundWave 300 bluetooth speaker",  # when it was bought is no part of the name
        "The bass is deep and the battery lasts two full days, but pairing with my laptop "
        "fails about half the time and I have to restart both devices to get it working.",
    ),
    Script(
        "two corrections",
        (
            "Hi",
            "Garden hose",
            "It kinks constantly.",
            "2",
            "no",
            "no",
            "The FlexiPro 50ft garden hose",
            "It kinks constantly and the connector leaked after a week of use.",
            "2",
            "no",
            "no",
            "FlexiPro 50ft expandable garden hose",
            "It kinks constantly, and the brass connector leaked after a week of daily use.",
            "1",
            "skip",
            "yes",
        ),
        "FlexiPro 50ft expandable garden hose",
        "It kinks constantly, and the brass connector leaked after a week of daily use.",
    ),
)


def _state_value(state: str, field: str) -> str | None:
    match = re.search(rf"^- {field}: (.*)$", state, re.M)
    value = match.group(1) if match else None
    return None if value in (None, "(unknown)", "(none yet)") else value


def _rating_state(value: str) -> dict[str, Any]:
    """The rating as `prompt._rating_state` words it: "4 of 5", "not wanted ...", "asked N"."""
    if given := re.match(r"(\d) of 5", value):
        return {"rating": int(given.group(1))}
    asked = re.search(r"asked (\d+) times", value)
    return {
        "wants_rating": "not wanted" not in value,
        "rating_asks": int(asked.group(1) if asked else 0),
    }


def _unwrap(content: str) -> tuple[str, tuple[str, ...]]:
    text = content.split("<customer_message>\n")[-1].split("\n</customer_message>")[0]
    media = tuple(re.findall(r"\[attached media: (\S+)\]", content))
    return text.replace("&lt;", "<").replace("&gt;", ">"), media


def conversation_from_prompt(messages: list[dict[str, Any]]) -> Conversation:
    """What a model can know of the turn: only what the prompt says."""
    state = str(messages[1]["content"])
    history = []
    for message in messages[2:-1]:
        role = "assistant" if message["role"] == "assistant" else "customer"
        text = str(message["content"]) if role == "assistant" else _unwrap(message["content"])[0]
        history.append(Turn(role=role, text=text))
    text, media = _unwrap(str(messages[-1]["content"]))
    return Conversation(
        product_name=_state_value(state, "product_name"),
        feedback=_state_value(state, "feedback"),
        session_media=tuple(re.findall(r"^- (http\S+)$", state, re.M)),
        step=_state_value(state, "current step") or "ask_product",  # type: ignore[arg-type]
        **_rating_state(_state_value(state, "rating") or ""),
        history=tuple(history),
        message=Turn(role="customer", text=text, media_urls=media),
    )


def prompt_reading_model(body: dict[str, Any]) -> str:
    """The stand-in's answer: the offline flow's verdict on the conversation in the prompt."""
    verdict = OfflineVerdicts().verdict(conversation_from_prompt(body["messages"]))
    return verdict.model_dump_json()


def baseline_tokens(transcript: list[Turn]) -> int:
    """The whole session's history on every turn, as the single-process service sent it."""
    total = 0
    for index, turn in enumerate(transcript):
        if turn.role != "customer":
            continue
        messages = [{"role": "system", "content": FULL_PROMPT}]
        messages += [
            {"role": "assistant" if t.role == "assistant" else "user", "content": t.text}
            for t in transcript[: index + 1]
        ]
        total += count_prompt(messages)
    return total


async def replay(script: Script, deps: Analyzer, customer: str) -> list[Turn]:
    """Send the script's turns; the transcript of what was said both ways."""
    publisher = deps.publisher
    assert isinstance(publisher, RecordingPublisher)
    transcript: list[Turn] = []
    for index, text in enumerate(script.turns):
        sid = f"SM{customer[-4:]}{index:04d}"
        media = [MediaItem(media_sid="ME1", url=PHOTO, content_type="image/jpeg")]
        message = InboundMessage(
            message_sid=sid,
            sender_id=customer,
            body=text,
            media=media if index == script.photo_at else [],
        )
        await handle_inbound(
            *unwrap(Envelope.wrap(message, source="bench", correlation_id=sid)), deps=deps
        )
        reply = publisher.of_type(ReplyRequested)[-1].data
        assert isinstance(reply, ReplyRequested)
        transcript += [Turn(role="customer", text=text), Turn(role="assistant", text=reply.body)]
    return transcript


async def main() -> None:
    """Replay every script, check each completes as scripted, print the token figures."""
    settings = AnalyzerSettings(openai_api_key="sk-bench")  # type: ignore[arg-type]
    port = free_port()
    state = OpenAIState(default=prompt_reading_model)
    server = uvicorn.Server(
        uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    client = openai.AsyncOpenAI(api_key="sk-bench", base_url=f"http://127.0.0.1:{port}/v1")
    ours, baseline, calls, failures = [], [], [], []  # type: ignore[var-annotated]
    try:
        for number, script in enumerate(SCRIPTS):
            asked_before = len(state.requests)
            deps = Analyzer(
                store=InMemorySessionStore(),
                verdicts=with_control_turns(
                    OpenAIVerdicts(
                        client,
                        model=settings.openai_model,
                        budget_tokens=settings.history_token_budget,
                    ),
                    settings,
                ),
                publisher=RecordingPublisher(),
                consent=InMemoryConsentStore(),
                policy=ConversationPolicy(history_token_budget=settings.history_token_budget),
                pricing=LlmPricing(settings.openai_model),
            )
            transcript = await replay(script, deps, f"whatsapp:+1555000{number:04d}")
            assert isinstance(deps.publisher, RecordingPublisher)
            completed = [e.data for e in deps.publisher.of_type(FeedbackCompletedV2)]
            done = completed[0] if len(completed) == 1 else None
            if not isinstance(done, FeedbackCompletedV2) or (
                done.product_name,
                done.feedback_text,
            ) != (script.product, script.feedback):
                failures.append(script.name)
                continue
            ours.append(done.llm_usage.input_tokens)
            calls.append(len(state.requests) - asked_before)
            baseline.append(baseline_tokens(transcript))
    finally:
        await client.close()
        server.should_exit = True
        await serving
    analyzer_mean = statistics.mean(ours) if ours else 0.0
    baseline_mean = statistics.mean(baseline) if baseline else 0.0
    ratio = analyzer_mean / baseline_mean if baseline_mean else None
    print(
        json.dumps(
            {
                "benchmark": "tokens",
                "conversations": len(SCRIPTS),
                "completed_as_scripted": len(ours),
                "failed": failures,
                "history_token_budget": settings.history_token_budget,
                "llm_control_turns": settings.llm_control_turns,
                "llm_calls_per_session": round(statistics.mean(calls), 1) if calls else 0,
                "analyzer_prompt_tokens_per_session": round(analyzer_mean, 1),
                "baseline_prompt_tokens_per_session": round(baseline_mean, 1),
                "ratio": round(ratio, 3) if ratio is not None else None,
                "target_met": not failures and ratio is not None and ratio <= 0.5,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
