"""The dialogue set: scripted customer turns and what each conversation must end with.

Each `*.json` file here holds a list of dialogues:
`{"name", "turns": [text, or {"text", "photo": true}], "policy": {"ask_rating": false},
"expect": {"stored": {"product", "feedback", "rating"} or null, "status", "language",
"replies_contain": [text], "replies_lack": [text]}}`: each text of `replies_contain` must
appear in some reply, none of `replies_lack` in any; `rating`, when given, is compared exactly
(null: none stored); `policy`, optional, overrides the conversation's defaults.
`play` runs one through the analyzer's real handler with any verdict source: the offline
analyzer in `make test`, an OpenAI-compatible model in `make eval-conversations`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from analyzer.deps import Analyzer, ConversationPolicy
from analyzer.handlers import handle_inbound
from analyzer.language import language_of
from analyzer.memory_sessions import InMemorySessionStore
from analyzer.verdict import VerdictSource
from feedback_contracts import (
    Envelope,
    FeedbackCompleted,
    FeedbackCompletedV3,
    InboundMessage,
    MediaItem,
    ReplyRequested,
)
from service_runtime.memory_consent import InMemoryConsentStore
from service_runtime.recording_publisher import RecordingPublisher
from service_runtime.routing import unwrap

HERE = Path(__file__).parent
CUSTOMER = "whatsapp:+15550009999"
PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM{n}/Media/ME{n}"


@dataclass(frozen=True)
class Dialogue:
    """One scripted conversation and its expected end."""

    name: str
    turns: tuple[dict[str, Any], ...]
    expect: dict[str, Any]
    policy: dict[str, Any] = field(default_factory=dict)


@dataclass
class Played:
    """What a dialogue ended with, and what did not match."""

    replies: list[str]
    stored: dict[str, Any] | None
    status: str | None
    problems: list[str] = field(default_factory=list)


def load() -> list[Dialogue]:
    """Every dialogue of every file, in file order."""
    dialogues = []
    for path in sorted(HERE.glob("*.json")):
        for case in json.loads(path.read_text()):
            turns = tuple(t if isinstance(t, dict) else {"text": t} for t in case["turns"])
            name = f"{path.stem}: {case['name']}"
            dialogues.append(Dialogue(name, turns, case["expect"], case.get("policy", {})))
    return dialogues


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=5)
        return self.now


def _inbound(index: int, turn: dict[str, Any]) -> Envelope:
    sid = f"SM{index:032d}"
    media = []
    if turn.get("photo"):
        url = PHOTO.format(n=index)
        media = [MediaItem(media_sid=f"ME{index}", url=url, content_type="image/jpeg")]
    message = InboundMessage(
        message_sid=sid, sender_id=CUSTOMER, body=turn.get("text", ""), media=media
    )
    return Envelope.wrap(message, source="dialogues", correlation_id=sid)


async def play(dialogue: Dialogue, verdicts: VerdictSource, *, strict: bool = True) -> Played:
    """Run the dialogue; `strict` compares stored text exactly, else loosely (for a model)."""
    store, publisher = InMemorySessionStore(), RecordingPublisher()
    deps = Analyzer(
        store=store,
        verdicts=verdicts,
        publisher=publisher,
        consent=InMemoryConsentStore(),
        policy=ConversationPolicy(**dialogue.policy),
        clock=_Clock(),
    )
    for index, turn in enumerate(dialogue.turns, start=1):
        await handle_inbound(*unwrap(_inbound(index, turn)), deps=deps)
    replies = [e.data.body for e in publisher.of_type(ReplyRequested)]  # type: ignore[attr-defined]
    done = [e.data for e in publisher.of_type(FeedbackCompleted)]
    stored = None
    if done and isinstance(done[-1], FeedbackCompleted):
        last = done[-1]
        rating = last.rating if isinstance(last, FeedbackCompletedV3) else None
        stored = {"product": last.product_name, "feedback": last.feedback_text, "rating": rating}
    latest = max(store.sessions.values(), key=lambda s: s.seq, default=None)
    played = Played(replies, stored, latest.status if latest else None)
    played.problems = _compare(dialogue.expect, played, strict=strict)
    return played


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _same(expected: str, got: str, *, strict: bool) -> bool:
    if strict:
        return expected == got
    wanted = _words(expected)
    return len(wanted & _words(got)) >= max(1, len(wanted) // 2)


def _compare(expect: dict[str, Any], played: Played, *, strict: bool) -> list[str]:
    problems = []
    wanted = expect.get("stored")
    if (wanted is None) != (played.stored is None):
        problems.append(f"stored {played.stored!r}, expected {wanted!r}")
    elif wanted and played.stored:
        for key in ("product", "feedback"):
            if not _same(wanted[key], played.stored[key], strict=strict):
                problems.append(f"{key} {played.stored[key]!r}, expected {wanted[key]!r}")
        if "rating" in wanted and played.stored["rating"] != wanted["rating"]:
            problems.append(f"rating {played.stored['rating']!r}, expected {wanted['rating']!r}")
    if "status" in expect and played.status != expect["status"]:
        problems.append(f"status {played.status!r}, expected {expect['status']!r}")
    # A model words its replies its own way: the replies' texts are the scripted flow's.
    for text in expect.get("replies_contain", []) if strict else []:
        if not any(text in reply for reply in played.replies):
            problems.append(f"no reply says {text!r}")
    for text in expect.get("replies_lack", []) if strict else []:
        if any(text in reply for reply in played.replies):
            problems.append(f"a reply says {text!r}")
    language = language_of(played.replies, default="en")
    if "language" in expect and language != expect["language"]:
        problems.append(f"replies in {language!r}, expected {expect['language']!r}")
    return problems
