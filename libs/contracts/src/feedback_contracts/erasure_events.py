"""A customer's erasure: asked for, and each service's step done."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from feedback_contracts import topics
from feedback_contracts.envelope import Event

ERASURE_STEPS = ("conversations", "messaging", "media", "records", "alerts")
"""What an erasure waits for, and who does it: the analyzer's sessions and chats, the
messenger's send ledger, opt-outs and Twilio's copies, media's S3 objects, persistence's rows,
the alerts' copies of the customer's words."""


ErasureStep = Literal["conversations", "messaging", "media", "records", "alerts"]


class ErasureRequested(Event):
    """The business asked to forget a customer: every service erases what it holds of them."""

    TYPE: ClassVar[str] = "feedback.erasure-requested"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.ERASURE_REQUESTS

    erasure_id: str
    sender_id: str
    media_uris: list[str] = Field(
        default_factory=list,
        description="The customer's S3 objects persistence knows of, older key layouts too.",
    )

    def key(self) -> str:
        return self.sender_id


class ErasureStepDone(Event):
    """One service erased what it held of the customer; `erased` counts it by kind."""

    TYPE: ClassVar[str] = "feedback.erasure-step-done"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.ERASURE_PROGRESS

    erasure_id: str
    step: ErasureStep
    erased: dict[str, int] = Field(default_factory=dict)

    def key(self) -> str:
        return self.erasure_id
