"""The owner's API for alerts: destinations with their rules, and every delivery's state.
Behind the API bearer token, as the rest of the owner's API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from alerts.deliveries import AlertStore, DestinationChange, NewDestination, State
from alerts.models import Destination
from alerts.views import (
    CreatedDestination,
    DeliveryOut,
    DestinationChangeIn,
    DestinationOut,
    NewDestinationIn,
    SampleAnswer,
    delivery_out,
    destination_out,
    sample,
)
from service_runtime.auth import require_bearer
from service_runtime.outbound import UnsafeTarget, pin

Id = Annotated[str, Path(max_length=40)]


def _store(request: Request) -> AlertStore:
    store: AlertStore = request.app.state.store  # set by the composition root
    return store


Store = Annotated[AlertStore, Depends(_store)]
bearer = require_bearer(lambda request: str(request.app.state.api_secret))
alerts_router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[Depends(bearer)])


@alerts_router.get("/destinations")
async def list_destinations(store: Store) -> list[DestinationOut]:
    return [destination_out(d) for d in await asyncio.to_thread(store.destinations)]


@alerts_router.post("/destinations", status_code=201)
async def add_destination(
    new: NewDestinationIn, request: Request, store: Store
) -> CreatedDestination:
    """Refused with 422 naming `url` when it is not an https URL of a public address (plain
    http and private addresses only for `ALERT_TRUSTED_PRIVATE_HOSTS`)."""
    trusted = request.app.state.trusted_private
    try:
        await asyncio.to_thread(pin, new.url, trusted_private=trusted)
    except UnsafeTarget as error:
        raise HTTPException(
            422, [{"loc": ["body", "url"], "msg": str(error), "type": "unsafe_url"}]
        ) from None
    made = await asyncio.to_thread(
        store.add_destination,
        NewDestination(new.name, new.kind, new.url, new.rule, new.enabled),
        now=datetime.now(UTC),
    )
    return CreatedDestination(
        **destination_out(made).model_dump(), signing_secret=made.signing_secret
    )


@alerts_router.get("/destinations/{destination_id}")
async def get_destination(destination_id: Id, store: Store) -> DestinationOut:
    return destination_out(_found(await asyncio.to_thread(store.destination, destination_id)))


@alerts_router.patch("/destinations/{destination_id}")
async def change_destination(
    destination_id: Id, change: DestinationChangeIn, store: Store
) -> DestinationOut:
    changed = await asyncio.to_thread(
        store.change_destination,
        destination_id,
        DestinationChange(change.name, change.rule, change.enabled),
    )
    return destination_out(_found(changed))


@alerts_router.delete("/destinations/{destination_id}", status_code=204)
async def remove_destination(destination_id: Id, store: Store) -> Response:
    """The destination and its deliveries; one under way finishes its attempt."""
    if not await asyncio.to_thread(store.remove_destination, destination_id):
        raise HTTPException(404, "no such destination")
    return Response(status_code=204)


@alerts_router.post("/destinations/{destination_id}/test")
async def send_sample(destination_id: Id, request: Request, store: Store) -> SampleAnswer:
    """One attempt, now, of a sample alert (no customer's words): what the destination
    answered. Nothing is recorded and nothing retried."""
    destination = _found(await asyncio.to_thread(store.destination, destination_id))
    answer = await request.app.state.destinations.send(
        sample(destination, owner_page_url=request.app.state.owner_page_url)
    )
    delivered = answer.status is not None and 200 <= answer.status < 300
    return SampleAnswer(delivered=delivered, status=answer.status, error=answer.error)


@alerts_router.get("/deliveries")
async def list_deliveries(
    store: Store,
    state: State | None = None,
    destination_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The newest first."""
    found = await asyncio.to_thread(
        store.deliveries, state=state, destination_id=destination_id, limit=limit
    )
    return [delivery_out(d) for d in found]


@alerts_router.post("/deliveries/{delivery_id}/redeliver", status_code=202)
async def redeliver(delivery_id: Id, request: Request, store: Store) -> DeliveryOut:
    """Send it again now, with the same id, and retry it for a new window if need be."""
    delivery = await asyncio.to_thread(
        store.redeliver,
        delivery_id,
        now=datetime.now(UTC),
        window_s=request.app.state.window_s,
    )
    if delivery is None:
        raise HTTPException(404, "no such delivery")
    request.app.state.enqueued()
    return delivery_out(delivery)


def _found(destination: Destination | None) -> Destination:
    if destination is None:
        raise HTTPException(404, "no such destination")
    return destination
