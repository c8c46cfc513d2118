"""The LLM tagger against the OpenAI stand-in (a local server speaking the API, the SDK
pointed at it): only the taxonomy's labels, one re-ask, the offline tagger when the model
never answers right, and proposals for what no topic covers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from insights.llm_tagger import LlmTagger
from insights.offline import OfflineTagger
from insights.tagging import Proposal
from insights.taxonomy import Topic
from standins.openai_api import Answer, Failure, OpenAIState, create_app
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


def test_the_tags_name_the_model_that_answered(
    llm: tuple[OpenAIState, str], offline: OfflineTagger
) -> None:
    state, url = llm
    state.then(answer(["delivery"]))
    (tags,) = tagger(url, offline).tag(["Late again."], taxonomy=TAXONOMY)
    assert tags.tagger == "gpt-5-nano"
