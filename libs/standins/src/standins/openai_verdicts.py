"""Verdicts as the analyzer's model would answer them, for the stand-in's scripted answers."""

from __future__ import annotations

import json
from typing import Any


def verdict(reply: str, next_step: str = "ask_product", **fields: Any) -> dict[str, Any]:
    """A verdict as the analyzer's schema wants it: every field, these values over the defaults."""
    return {
        "reply": reply,
        "is_feedback_session_complete": False,
        "should_persist_reply": True,
        "is_unsafe": False,
        "is_irrelevant": False,
        "product_name": None,
        "feedback": None,
        "media_urls": [],
        "rating": None,
        "next_step": next_step,
        **fields,
    }


def acknowledging_responder(body: dict[str, Any]) -> str:
    """A verdict that acknowledges the customer's last message and keeps the session open."""
    text = str(body["messages"][-1]["content"])
    said = text.split("<customer_message>")[-1].split("</customer_message>")[0].strip()
    return json.dumps(verdict(f"Noted: {said}"))
