"""What the emulator works with: where the system is, the Twilio stand-in's state, the stores
it reads for the page, and the customer's side of each chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from standins.twilio_state import TwilioState

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<circle cx="32" cy="30" r="26" fill="#25d366"/><path d="M14 58l6-14 10 6z" fill="#25d366"/>'
    '<path d="M22 22h20M22 31h20M22 40h12" stroke="#fff" stroke-width="5" stroke-linecap="round"/>'
    "</svg>"
)


@dataclass(frozen=True)
class EmulatorConfig:
    """Where the system is, and what Twilio would know."""

    public_url: str
    ingress_url: str
    persistence_url: str
    api_secret: str
    business_number: str
    aws_endpoint_url: str | None
    aws_region: str
    sessions_table: str
    opt_outs_table: str = "opt_outs"
    owner_url: str | None = None  # where a browser opens the owner's page; else persistence's


@dataclass
class Emulator:
    """The page's state: the stand-in's, the stores it reads, and what customers said."""

    state: TwilioState
    config: EmulatorConfig
    sessions: Any  # the analyzer's DynamoDB sessions table
    opt_outs: Any  # the opt-outs table
    s3: Any
    page: str
    said: list[dict[str, Any]] = field(default_factory=list)
