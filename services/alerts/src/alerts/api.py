"""The owner's API for alerts: destinations with their rules, and every delivery's state.
Behind the API bearer token, as the rest of the owner's API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from alerts.deliveries import AlertStore, DestinationChange, Kind, NewDestination, State
from alerts.models import Delivery, Destination
from alerts.rules import Rule
from service_runtime.auth import require_bearer
from service_runtime.outbound import UnsafeTarget, pin


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(_no_nul),
]
Id = Annotated[str, Path(max_length=40)]


class NewDestinationIn(BaseModel):
    """A destination: `slack` takes a Slack incoming-webhook URL; `webhook` any HTTPS
    endpoint, which gets a JSON event signed the Standard Webhooks way."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: Kind
    url: Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_no_nul)]
    rule: Rule = Rule()
    enabled: bool = True


class DestinationChangeIn(BaseModel):
    """What to change: its name, its rule, or whether it is on. A new URL is a new
    destination (delete this one): a destination's URL is a secret that is never read back."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    rule: Rule | None = None
    enabled: bool | None = None


class DestinationOut(BaseModel):
    """A destination, its URL masked."""

    id: str
    name: str
    kind: Kind
    url: str = Field(description="Masked: scheme, host and the last four characters.")
    rule: Rule
    enabled: bool
    created_at: datetime


class CreatedDestination(DestinationOut):
    """As created: a webhook's signing secret is shown this once, never again."""

    signing_secret: str | None = Field(
        description="For `webhook`: verify `webhook-signature` with it (Standard Webhooks)."
    )


class DeliveryOut(BaseModel):
    """One alert to one destination: its state, attempts and last error."""

    id: str = Field(description="Stable per feedback and destination: the `webhook-id`.")
    destination_id: str
    feedback_id: str
    state: State
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When pending: the next try.")
    delivered_at: datetime | None


def _store(request: Request) -> AlertStore:
    store: AlertStore = request.app.state.store  # set by the composition root
    return store


Store = Annotated[AlertStore, Depends(_store)]
bearer = require_bearer(lambda request: str(request.app.state.api_secret))
alerts_router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[Depends(bearer)])


@alerts_router.get("/destinations")
async def list_destinations(store: Store) -> list[DestinationOut]:
    return [_out(d) for d in await asyncio.to_thread(store.destinations)]


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
    request.app.state.register_url(made.url)
    return CreatedDestination(**_out(made).model_dump(), signing_secret=made.signing_secret)


@alerts_router.get("/destinations/{destination_id}")
async def get_destination(destination_id: Id, store: Store) -> DestinationOut:
    return _out(_found(await asyncio.to_thread(store.destination, destination_id)))


@alerts_router.patch("/destinations/{destination_id}")
async def change_destination(
    destination_id: Id, change: DestinationChangeIn, store: Store
) -> DestinationOut:
    changed = await asyncio.to_thread(
        store.change_destination,
        destination_id,
        DestinationChange(change.name, change.rule, change.enabled),
    )
    return _out(_found(changed))


@alerts_router.delete("/destinations/{destination_id}", status_code=204)
async def remove_destination(destination_id: Id, store: Store) -> Response:
    """The destination and its deliveries; one under way finishes its attempt."""
    if not await asyncio.to_thread(store.remove_destination, destination_id):
        raise HTTPException(404, "no such destination")
    return Response(status_code=204)


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
    return [_delivery(d) for d in found]


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
    return _delivery(delivery)


def _found(destination: Destination | None) -> Destination:
    if destination is None:
        raise HTTPException(404, "no such destination")
    return destination


def _out(destination: Destination) -> DestinationOut:
    return DestinationOut(
        id=destination.id,
        name=destination.name,
        kind=destination.kind,
        url=masked(destination.url),
        rule=Rule.model_validate(destination.rule),
        enabled=destination.enabled,
        created_at=destination.created_at,
    )


def _delivery(delivery: Delivery) -> DeliveryOut:
    state: Literal["pending", "delivered", "failed"] = delivery.state  # type: ignore[assignment]
    return DeliveryOut(
        id=delivery.id,
        destination_id=delivery.destination_id,
        feedback_id=delivery.feedback_id,
        state=state,
        attempts=delivery.attempts,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        next_attempt_at=delivery.next_attempt_at if state == "pending" else None,
        delivered_at=delivery.delivered_at,
    )


def masked(url: str) -> str:
    """`https://hooks.slack.com/…Xy9z`: enough to tell destinations apart, not to use one."""
    parts = urlsplit(url)
    tail = url[-4:] if len(url) - len(f"{parts.scheme}://{parts.netloc}") > 8 else ""
    return (
        f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…{tail}"
    )
