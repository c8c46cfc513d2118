"""Erasure (Bearer): `DELETE /customers/{sender_id}` forgets a customer in every store, and
`GET /erasures/{id}` reports how far it got, step by step."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import AfterValidator, BaseModel, ConfigDict

from feedback_contracts import Envelope, ErasureRequested
from feedback_contracts.customers import whatsapp_address
from persistence.dependencies import AUTHORIZED, EventPublisher, Records
from persistence.timestamps import Timestamp
from service_runtime.publishing import PublishError

SOURCE = "feedback-intelligence/persistence"
erasure_router = APIRouter(tags=["erasure"], dependencies=AUTHORIZED)


class ErasureOut(BaseModel):
    """An erasure's audit record: no personal data, the customer's pseudonym only."""

    model_config = ConfigDict(from_attributes=True)  # read from an ErasureView

    id: str
    subject_hash: str
    status: str
    requested_at: Timestamp
    completed_at: Timestamp | None
    steps: dict[str, dict[str, int]]
    pending: list[str]


Customer = Annotated[str, Path(max_length=64), AfterValidator(whatsapp_address)]


@erasure_router.delete("/customers/{sender_id}", status_code=202)
async def erase_customer(
    sender_id: Customer, records: Records, publisher: EventPublisher, response: Response
) -> ErasureOut:
    """Start erasing the customer's sessions, chats, ledger and opt-out items, media, rows and
    their messages at Twilio. Asking again while it runs re-sends the same erasure (so one
    interrupted before it reached Kafka resumes); after it completed, it starts a new one."""
    started = await asyncio.to_thread(records.start_erasure, sender_id)
    request_event = ErasureRequested(
        erasure_id=started.erasure.id, sender_id=sender_id, media_uris=started.media_uris
    )
    envelope = Envelope.wrap(request_event, source=SOURCE, correlation_id=started.erasure.id)
    try:
        await publisher.publish(envelope)
    except PublishError as error:
        raise HTTPException(503, "Kafka is unavailable; ask again", {"Retry-After": "5"}) from error
    response.headers["Location"] = f"/erasures/{started.erasure.id}"
    return ErasureOut.model_validate(started.erasure)


@erasure_router.get("/erasures/{erasure_id}")
async def get_erasure(
    erasure_id: Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")],
    records: Records,
) -> ErasureOut:
    """An erasure: running until every service reported its step, then completed."""
    found = await asyncio.to_thread(records.find_erasure, erasure_id)
    if found is None:
        raise HTTPException(404, f"erasure {erasure_id} not found")
    return ErasureOut.model_validate(found)
