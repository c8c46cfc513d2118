"""The port to the alerts' state, and the values it trades in: destinations, deliveries to
make, deliveries claimed, and what an attempt came to."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from alerts.models import Delivery, Destination
from alerts.rules import Rule

Kind = Literal["slack", "webhook"]
State = Literal["pending", "delivered", "failed"]


def delivery_id(feedback_id: str, destination_id: str) -> str:
    """Stable per (feedback, destination), whoever enqueues it and however often."""
    digest = hashlib.sha256(f"{feedback_id}\x00{destination_id}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def kind_of(destination: Destination) -> Kind:
    """A stored destination's kind (the column is text, checked to one of the two)."""
    return "slack" if destination.kind == "slack" else "webhook"


def signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return f"whsec_{base64.b64encode(secrets.token_bytes(24)).decode()}"


@dataclass(frozen=True)
class NewDestination:
    """A destination as the owner made it (its URL already checked)."""

    name: str
    kind: Kind
    url: str
    rule: Rule
    enabled: bool = True


@dataclass(frozen=True)
class DestinationChange:
    """What to change of a destination; None leaves it."""

    name: str | None = None
    rule: Rule | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class ToDeliver:
    """An alert for one destination, to enqueue."""

    feedback_id: str
    destination_id: str
    customer: str
    alert: dict[str, object]


@dataclass(frozen=True)
class Claimed:
    """A due delivery this replica holds for one attempt (until its lease runs out)."""

    id: str
    destination_id: str
    kind: Kind
    url: str
    signing_secret: str | None
    alert: dict[str, object]
    attempts: int  # before this one
    retry_until: datetime

    @classmethod
    def of(cls, delivery: Delivery, destination: Destination) -> Claimed:
        """The claim of a delivery row to its destination (SQLite hands times back naive:
        they were written in UTC)."""
        until = delivery.retry_until
        return cls(
            id=delivery.id,
            destination_id=destination.id,
            kind=kind_of(destination),
            url=destination.url,
            signing_secret=destination.signing_secret,
            alert=dict(delivery.alert),
            attempts=delivery.attempts,
            retry_until=until if until.tzinfo else until.replace(tzinfo=UTC),
        )


@dataclass(frozen=True)
class Attempted:
    """What an attempt came to: delivered, retry at `next_at`, or failed for good."""

    state: State
    status: int | None
    error: str | None
    next_at: datetime | None = None


class AlertStore(Protocol):
    """Destinations and deliveries (PostgreSQL in production, SQLite under `make dev`)."""

    def add_destination(self, new: NewDestination, *, now: datetime) -> Destination: ...

    def destinations(self) -> list[Destination]: ...

    def destination(self, destination_id: str) -> Destination | None: ...

    def change_destination(
        self, destination_id: str, change: DestinationChange
    ) -> Destination | None: ...

    def remove_destination(self, destination_id: str) -> bool: ...

    def enqueue(self, deliveries: list[ToDeliver], *, now: datetime, window_s: float) -> int:
        """Insert the ones not there yet; how many were new."""
        ...

    def claim_due(
        self,
        *,
        now: datetime,
        limit: int,
        busy: Collection[str],
        per_destination: int,
        lease_s: float,
    ) -> list[Claimed]:
        """Due pending deliveries of enabled destinations not in `busy`, at most
        `per_destination` each, leased so no other replica takes them meanwhile."""
        ...

    def record(self, delivery_id: str, attempted: Attempted, *, now: datetime) -> None: ...

    def deliveries(
        self, *, state: State | None, destination_id: str | None, limit: int
    ) -> list[Delivery]: ...

    def redeliver(self, delivery_id: str, *, now: datetime, window_s: float) -> Delivery | None:
        """Pending again, due now, with a fresh retry window."""
        ...

    def erase(self, customer: str) -> int:
        """Every delivery of the customer's feedback; how many."""
        ...

    def purge(self, *, before: datetime) -> int:
        """Deliveries made before then that are settled (delivered or failed); how many."""
        ...
