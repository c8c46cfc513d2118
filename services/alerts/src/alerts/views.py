"""What the owner's alerts API takes and answers: destinations, their URL masked, and
deliveries."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from alerts.deliveries import Claimed, Kind, State, kind_of
from alerts.models import Delivery, Destination
from alerts.payloads import Alert
from alerts.rules import Rule


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(_no_nul),
]


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


def destination_out(destination: Destination) -> DestinationOut:
    return DestinationOut(
        id=destination.id,
        name=destination.name,
        kind=kind_of(destination),
        url=masked(destination.url),
        rule=Rule.model_validate(destination.rule),
        enabled=destination.enabled,
        created_at=destination.created_at,
    )


def delivery_out(delivery: Delivery) -> DeliveryOut:
    state: State = delivery.state  # type: ignore[assignment]
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


class SampleAnswer(BaseModel):
    """What a destination answered to a sample alert."""

    delivered: bool
    status: int | None = Field(description="The HTTP status; null: no answer (see error).")
    error: str | None


def sample(destination: Destination, *, owner_page_url: str) -> Claimed:
    """A sample alert to the destination, under an id of its own (never a delivery's)."""
    alert = Alert(
        feedback_id="test",
        product="Sample product",
        text="A test alert from feedback-intelligence: nothing to act on.",
        topics=["test"],
        sentiment="neutral",
        summary="A test alert.",
        link=owner_page_url,
        received_at=datetime.now(UTC),
    )
    return Claimed(
        id=f"msg_test_{secrets.token_hex(8)}",
        destination_id=destination.id,
        kind=kind_of(destination),
        url=destination.url,
        signing_secret=destination.signing_secret,
        alert=alert.model_dump(mode="json"),
        attempts=0,
        retry_until=datetime.now(UTC),
    )
