"""The original API's request: validated so that whatever is accepted, every store can hold.

A `sender_id` is a WhatsApp address (`whatsapp:+E164`, or the bare number, which gets the
prefix), so it fits the Feedback row's 64 characters; a message is text WhatsApp could carry
(at most 4,096 characters, no NUL); JSON with a lone surrogate is refused by the parser.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from feedback_contracts.customers import whatsapp_address

MAX_MESSAGE_CHARS = 4096  # WhatsApp's limit for a text message


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class ReplyBody(BaseModel):
    """The original API's request: a customer's message as if they had sent it."""

    model_config = ConfigDict(extra="forbid")

    sender_id: Annotated[str, Field(max_length=64), AfterValidator(whatsapp_address)]
    message: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS), AfterValidator(_no_nul)]
