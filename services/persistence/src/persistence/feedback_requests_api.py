"""`POST /feedback-requests` (Bearer): the business asks customers for feedback after a
purchase or a delivery. Each recipient becomes one `feedback-requested` event: the analyzer
opens a session that knows the product and asks the messenger for the approved template,
which the messenger sends once, to customers who have not opted out, within the send rate."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from feedback_contracts import Envelope, FeedbackRequested
from feedback_contracts.customers import whatsapp_address
from persistence.dependencies import AUTHORIZED, EventPublisher, no_nul
from service_runtime.publishing import PublishError

SOURCE = "feedback-intelligence/persistence"
MAX_RECIPIENTS = 500
requests_router = APIRouter(tags=["feedback requests"], dependencies=AUTHORIZED)


class Recipient(BaseModel):
    """One customer to ask, with the product and the order it is about when known."""

    model_config = ConfigDict(extra="forbid")

    to: Annotated[str, Field(max_length=64), AfterValidator(whatsapp_address)]
    product: Annotated[str | None, Field(min_length=1, max_length=300), AfterValidator(no_nul)] = (
        None
    )
    order_ref: Annotated[
        str | None, Field(min_length=1, max_length=100), AfterValidator(no_nul)
    ] = None


class FeedbackRequests(BaseModel):
    """Whom to ask (at most 500 a request)."""

    model_config = ConfigDict(extra="forbid")

    recipients: Annotated[list[Recipient], Field(min_length=1, max_length=MAX_RECIPIENTS)]


class Requested(BaseModel):
    """A recipient's request id; the same recipient and order always get the same one."""

    to: str
    request_id: str


class RequestsAccepted(BaseModel):
    """The requests queued; `GET /replies?recipient=` shows each template's delivery."""

    requests: list[Requested]


def request_id(recipient: Recipient, today: str) -> str:
    """Per recipient and order; with no order, per recipient, product and UTC day."""
    scope = (
        f"order:{recipient.order_ref}"
        if recipient.order_ref
        else (f"product:{recipient.product or ''}:{today}")
    )
    digest = hashlib.sha256(f"{recipient.to}|{scope}".encode()).hexdigest()
    return f"FR{digest[:32]}"


@requests_router.post("/feedback-requests", status_code=202)
async def request_feedback(body: FeedbackRequests, publisher: EventPublisher) -> RequestsAccepted:
    """Queue a feedback request per recipient; a duplicate (same recipient and order) is
    queued with the same id and sent once."""
    today = datetime.now(UTC).date().isoformat()
    unique = {request_id(r, today): r for r in body.recipients}
    events = [
        Envelope.wrap(
            FeedbackRequested(
                request_id=rid, recipient=r.to, product_name=r.product, order_ref=r.order_ref
            ),
            source=SOURCE,
            correlation_id=rid,
        )
        for rid, r in unique.items()
    ]
    try:
        await asyncio.gather(*(publisher.publish(event) for event in events))
    except PublishError as error:
        raise HTTPException(503, "Kafka is unavailable; ask again", {"Retry-After": "5"}) from error
    return RequestsAccepted(
        requests=[Requested(to=r.to, request_id=rid) for rid, r in unique.items()]
    )
