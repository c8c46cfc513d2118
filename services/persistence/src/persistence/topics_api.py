"""The taxonomy API: the business's topics, which the insights service tags feedback with.
Behind the API bearer token; every change makes a new taxonomy version."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from persistence.dependencies import AUTHORIZED, Records, no_nul
from persistence.taxonomy import TopicExists

Label = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(no_nul)]
Description = Annotated[str, Field(max_length=500), AfterValidator(no_nul)]


class TopicOut(BaseModel):
    """One topic: `active` ones are the ones feedback is tagged with."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    description: str | None
    active: bool = Field(validation_alias="is_active")


class TaxonomyOut(BaseModel):
    """Every topic and the taxonomy's version (it grows with each change)."""

    version: int
    topics: list[TopicOut]


class NewTopic(BaseModel):
    """A topic to add."""

    model_config = ConfigDict(extra="forbid")

    label: Label
    description: Description = ""


class TopicChange(BaseModel):
    """What to change of a topic: rename, describe, deactivate or activate."""

    model_config = ConfigDict(extra="forbid")

    label: Label | None = None
    description: Description | None = None
    active: bool | None = None


topics_router = APIRouter(prefix="/topics", tags=["topics"], dependencies=AUTHORIZED)


@topics_router.get("")
async def list_topics(records: Records) -> TaxonomyOut:
    """The taxonomy."""
    taxonomy = await asyncio.to_thread(records.taxonomy)
    topics = [TopicOut.model_validate(topic) for topic in taxonomy.topics]
    return TaxonomyOut(version=taxonomy.version, topics=topics)


@topics_router.post("", status_code=201)
async def create_topic(body: NewTopic, records: Records) -> TopicOut:
    """Add a topic; 409 when its label (case aside) is taken."""
    store = records
    try:
        topic = await asyncio.to_thread(
            lambda: store.create_topic(label=body.label.strip(), description=body.description)
        )
    except TopicExists:
        raise HTTPException(409, "a topic with that label exists") from None
    return TopicOut.model_validate(topic)


class ProposalOut(BaseModel):
    """A topic the LLM tagger proposed, and how many feedbacks led to it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    description: str
    mentions: int


@topics_router.get("/proposals")
async def list_proposals(records: Records) -> list[ProposalOut]:
    """The open proposals, most mentioned first."""
    views = await asyncio.to_thread(records.proposals)
    return [ProposalOut.model_validate(view) for view in views]


@topics_router.post("/proposals/{proposal_id}/{decision}")
async def settle_proposal(
    proposal_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Literal["accept", "dismiss"],
    records: Records,
) -> dict[str, str]:
    """Accept a proposal (it becomes a topic, and every feedback is re-tagged) or dismiss it."""
    store = records
    try:
        settled = await asyncio.to_thread(
            lambda: store.settle_proposal(proposal_id, accept=decision == "accept")
        )
    except TopicExists:
        raise HTTPException(409, "a topic with that label exists") from None
    if not settled:
        raise HTTPException(404, f"no open proposal {proposal_id}")
    return {"status": "accepted" if decision == "accept" else "dismissed"}


@topics_router.patch("/{topic_id}")
async def change_topic(
    topic_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: TopicChange, records: Records
) -> TopicOut:
    """Rename, describe, deactivate or activate a topic."""
    store = records
    label = body.label.strip() if body.label is not None else None
    try:
        topic = await asyncio.to_thread(
            lambda: store.change_topic(
                topic_id, label=label, description=body.description, active=body.active
            )
        )
    except TopicExists:
        raise HTTPException(409, "a topic with that label exists") from None
    if topic is None:
        raise HTTPException(404, f"topic {topic_id} not found")
    return TopicOut.model_validate(topic)
