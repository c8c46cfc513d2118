"""The LLM tagger against the OpenAI stand-in (a local server speaking the API, the SDK
pointed at it): only the taxonomy's labels, one re-ask, the offline tagger when the model
never answers right, and proposals for what no topic covers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openai
import pytest

from feedback_contracts import Envelope, FeedbackCompleted
from insights.evaluate import main as evaluate
from insights.handlers import Insights, handle_feedback_completed
from insights.llm_tagger import LlmTagger
from insights.offline import OfflineTagger
from insights.settings import InsightsSettings
from insights.static_taxonomy import StaticTaxonomy
from insights.tagging import Proposal, TaggerBusy
from insights.taxonomy import Topic
from service_runtime.failures import TransientError
from standins.openai_api import create_app
from standins.openai_state import Answer, Failure, Latency, OpenAIState
from standins.serving import serve_in_thread

pytestmark = pytest.mark.unit
TAXONOMY = [
    Topic(label="delivery", description="Shipping and couriers."),
    Topic(label="quality", description="Defects and build."),
    Topic(label="retired", description="The old loyalty card.", active=False),
]


@pytest.fixture
def offline(offline_tagger: OfflineTagger) -> OfflineTagger:
    return offline_tagger


@pytest.fixture
def llm() -> Iterator[tuple[OpenAIState, str]]:
    state = OpenAIState()
    server = serve_in_thread(create_app(state))
    try:
        yield state, f"{server.url}/v1"
    finally:
        server.stop()


def tagger(url: str, offline: OfflineTagger) -> LlmTagger:
    client = openai.OpenAI(api_key="sk-stand-in", base_url=url, max_retries=0, timeout=10)
    return LlmTagger(client, model="gpt-5-nano", fallback=offline)


def answer(topics: list[str], proposal: dict[str, str] | None = None, **extra: Any) -> Answer:
    body = {"topics": topics, "sentiment": "negative", "summary": "Late.", "proposal": proposal}
    return Answer(json.dumps(body | extra))


def test_the_schema_allows_only_the_active_labels(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(answer(["delivery"]))
    (tags,) = tagger(url, offline).tag(["The courier was late."], taxonomy=TAXONOMY)
    assert (tags.topics, tags.sentiment, tags.summary) == (("delivery",), "negative", "Late.")
    ((_, body),) = state.requests
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["strict"] is True
    assert schema["schema"]["properties"]["topics"]["items"]["enum"] == ["delivery", "quality"]
    assert "retired" not in body["messages"][0]["content"]


def test_an_unknown_label_is_asked_again_once(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(answer(["price"]), answer(["quality"]))
    (tags,) = tagger(url, offline).tag(["It broke."], taxonomy=TAXONOMY)
    assert tags.topics == ("quality",)
    assert len(state.requests) == 2
    reask = state.requests[1][1]["messages"][-1]["content"]
    assert '["price"] are not among them' in reask and '"delivery", "quality"' in reask


def test_labels_still_unknown_after_the_reask_are_dropped(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(answer(["price", "quality"]), answer(["price", "quality"]))
    (tags,) = tagger(url, offline).tag(["Too dear and it broke."], taxonomy=TAXONOMY)
    assert tags.topics == ("quality",) and len(state.requests) == 2


def test_an_answer_that_never_validates_falls_back_to_the_offline_tagger(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(Answer("not json"), Answer('{"topics": "delivery"}'))
    text = "The courier lost my parcel."
    (tags,) = tagger(url, offline).tag([text], taxonomy=TAXONOMY)
    assert tags == offline.tag([text], taxonomy=TAXONOMY)[0]
    assert len(state.requests) == 2


def test_a_topic_nothing_covers_is_proposed(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    proposal = {"label": "packaging", "description": "Boxes, wrapping and waste."}
    state.then(answer([], proposal))
    (tags,) = tagger(url, offline).tag(["Far too much plastic in the box."], taxonomy=TAXONOMY)
    assert tags.topics == () and tags.proposal == Proposal(**proposal)


def test_an_llm_that_is_away_leaves_the_tagging_to_the_offline_tagger(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(Failure(503))
    text = "The courier lost my parcel."
    (tags,) = tagger(url, offline).tag([text], taxonomy=TAXONOMY)
    assert tags == offline.tag([text], taxonomy=TAXONOMY)[0] and tags.tagger == "offline"


def test_a_rate_limit_keeps_the_feedback_for_the_model(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    # Over the account's requests a minute the model will answer later: the feedback waits
    # (the consumer loop tries it again) rather than take the offline tagger's tags.
    state, url = llm
    state.then(Failure(429, retry_after_s=0.1), Failure(429, code="insufficient_quota"))
    with pytest.raises(TaggerBusy):
        tagger(url, offline).tag(["The courier lost my parcel."], taxonomy=TAXONOMY)
    # An account out of credit is another matter: waiting does not clear it.
    (tags,) = tagger(url, offline).tag(["The courier lost my parcel."], taxonomy=TAXONOMY)
    assert tags.tagger == "offline"


async def test_a_rate_limited_feedback_is_a_transient_failure(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(Failure(429))
    deps = Insights(tagger(url, offline), StaticTaxonomy(TAXONOMY, version=1), _Collected())
    with pytest.raises(TransientError, match="rate-limited"):
        event, envelope = _completed(1)
        await handle_feedback_completed(event, envelope, deps=deps)


def test_the_tags_name_the_model_that_answered(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(answer(["delivery"]))
    (tags,) = tagger(url, offline).tag(["Late again."], taxonomy=TAXONOMY)
    assert tags.tagger == "gpt-5-nano"


def test_evaluate_measures_the_llm_tagger_the_service_would_use(
    llm: tuple[OpenAIState, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An owner compares the two taggers on their own feedback, with the service's settings.
    state, url = llm
    state.latency = Latency(1.0, 0.0)  # long enough for every row to be asked at once

    def respond(body: dict[str, Any]) -> str:
        late = "late" in body["messages"][-1]["content"].lower()
        tags = {"topics": ["delivery"] if late else [], "sentiment": "negative"}
        return json.dumps(tags | {"summary": "s", "proposal": None})

    state.default = respond
    state.then(Failure(429, retry_after_s=0.1))  # over the rate limit once: that row waits
    for name, value in {"OPENAI_API_KEY": "sk-stand-in", "OPENAI_BASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TAGGER_THREADS", "8")
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")  # the 429 reaches the tagger
    taxonomy, data = tmp_path / "t.json", tmp_path / "d.jsonl"
    taxonomy.write_text(json.dumps([t.model_dump() for t in TAXONOMY]))
    rows = [{"text": "Late again.", "topics": ["delivery"], "sentiment": "negative"}] * 4
    rows += [{"text": "Lovely.", "topics": [], "sentiment": "positive"}] * 4
    data.write_text("\n".join(json.dumps(row) for row in rows))
    evaluate(["--taxonomy", str(taxonomy), "--data", str(data), "--tagger", "llm"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["tagger"] == "gpt-5-nano"
    assert result["tagged_by"] == {"gpt-5-nano": 8}  # none fell back to the offline tagger
    assert result["f1_per_label"] == {"delivery": 1.0, "quality": 0.0}  # the active topics
    assert result["sentiment_accuracy"] == 0.5
    assert state.peak_in_flight == 8  # TAGGER_THREADS rows asked side by side


def test_evaluate_with_the_llm_tagger_needs_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    taxonomy, data = tmp_path / "t.json", tmp_path / "d.jsonl"
    taxonomy.write_text(json.dumps([t.model_dump() for t in TAXONOMY]))
    data.write_text(json.dumps({"text": "Late."}))
    with pytest.raises(SystemExit, match="OPENAI_API_KEY"):
        evaluate(["--taxonomy", str(taxonomy), "--data", str(data), "--tagger", "llm"])


class _Collected:
    def __init__(self) -> None:
        self.events: list[Envelope] = []

    async def publish(self, envelope: Envelope) -> None:
        self.events.append(envelope)


async def test_feedbacks_are_tagged_side_by_side_while_the_model_thinks(
    offline: OfflineTagger,
) -> None:
    # A real model answers in seconds. Tagging runs in a pool sized for that (TAGGER_THREADS),
    # not in the loop's default one (cores + 4 threads), which would ask it a few at a time.
    state = OpenAIState(latency=Latency(2.0, 0.0))  # long enough for all 24 to be asked
    state.default = lambda body: json.dumps(
        {"topics": ["quality"], "sentiment": "negative", "summary": "Leaks.", "proposal": None}
    )
    server = serve_in_thread(create_app(state))
    settings = InsightsSettings(
        environment="local", kafka_bootstrap_servers="in-process", intelligence_api_secret="s" * 16
    )
    executor = ThreadPoolExecutor(settings.tagger_threads)
    published = _Collected()
    taxonomy = StaticTaxonomy(TAXONOMY, version=1)
    deps = Insights(tagger(f"{server.url}/v1", offline), taxonomy, published, executor)
    try:
        await asyncio.gather(
            *(
                handle_feedback_completed(event, envelope, deps=deps)
                for event, envelope in (_completed(n) for n in range(24))
            )
        )
    finally:
        executor.shutdown()
        server.stop()
    assert state.peak_in_flight == 24 <= settings.tagger_threads
    assert [e.data.topics for e in published.events] == [["quality"]] * 24


def _completed(n: int) -> tuple[FeedbackCompleted, Envelope]:
    event = FeedbackCompleted(
        session_id=f"s{n}",
        sender_id=f"whatsapp:+1555000{n:04d}",
        product_name="kettle",
        feedback_text="The lid leaks.",
        completed_at=datetime.now(UTC),
    )
    return event, Envelope.wrap(event, source="analyzer", correlation_id=f"SM{n}")
