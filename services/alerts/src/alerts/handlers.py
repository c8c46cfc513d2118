"""New tagged feedback to the destinations whose rules it matches; a customer's erasure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.deliveries import AlertStore, ToDeliver
from alerts.payloads import alert_for
from alerts.rules import Rule, matches
from feedback_contracts import (
    Envelope,
    ErasureRequested,
    ErasureStepDone,
    FeedbackTagged,
    FeedbackTaggedV4,
)
from feedback_contracts.customers import subject_hash
from service_runtime.publishing import Publisher

SOURCE = "feedback-intelligence/alerts"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alerting:
    """What the handlers need, wired by the composition root."""

    store: AlertStore
    publisher: Publisher
    owner_page_url: str
    window_s: float  # how long a delivery is retried
    enqueued: Callable[[], None] = lambda: None  # tells the sender to look now


async def handle_feedback_tagged(
    tagged: FeedbackTagged, envelope: Envelope, *, deps: Alerting
) -> None:
    """Enqueue one delivery per matching destination, idempotently (a redelivered event finds
    its deliveries there). Versions before 4 lack the customer's words, and a backfill's
    re-tag is not news: neither alerts."""
    if not isinstance(tagged, FeedbackTaggedV4) or tagged.retag:
        return
    destinations = await asyncio.to_thread(deps.store.destinations)
    now = datetime.now(UTC)
    alert = alert_for(tagged, owner_page_url=deps.owner_page_url, at=envelope.time)
    wanted = [
        ToDeliver(
            feedback_id=tagged.session_id,
            destination_id=destination.id,
            customer=subject_hash(tagged.sender_id),
            alert=alert.model_dump(mode="json"),
        )
        for destination in destinations
        if destination.enabled and matches(Rule.model_validate(destination.rule), tagged)
    ]
    if await asyncio.to_thread(deps.store.enqueue, wanted, now=now, window_s=deps.window_s):
        deps.enqueued()


async def handle_erasure_requested(
    requested: ErasureRequested, envelope: Envelope, *, deps: Alerting
) -> None:
    """The alerts' step of an erasure: every delivery of the customer's feedback, sent or not."""
    count = await asyncio.to_thread(deps.store.erase, subject_hash(requested.sender_id))
    done = ErasureStepDone(
        erasure_id=requested.erasure_id, step="alerts", erased={"alert_deliveries": count}
    )
    log.info("erased the customer's alerts", extra={"erasure_id": requested.erasure_id})
    await deps.publisher.publish(envelope.follow(done, source=SOURCE))
