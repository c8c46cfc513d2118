"""What an alert says, and its body for each kind of destination. No phone number: the link
to the feedback on the owner's page is enough for whoever is allowed to see more."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from feedback_contracts import FeedbackTaggedV4

EVENT_TYPE = "feedback.alert"


class Alert(BaseModel):
    """One feedback as the people alerted see it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feedback_id: str  # the session id: the owner's page finds the feedback by it
    product: str | None
    text: str
    topics: list[str]
    sentiment: str
    rating: int | None = None
    summary: str
    link: str
    received_at: datetime


def alert_for(feedback: FeedbackTaggedV4, *, owner_page_url: str, at: datetime) -> Alert:
    """The alert for a tagged feedback, linking to it on the owner's page."""
    return Alert(
        feedback_id=feedback.session_id,
        product=feedback.product_name,
        text=feedback.feedback_text,
        topics=list(feedback.topics),
        sentiment=feedback.sentiment,
        rating=feedback.rating,
        summary=feedback.summary,
        link=f"{owner_page_url}#feedback={quote(feedback.session_id, safe='')}",
        received_at=at,
    )


def webhook_body(alert: Alert, *, sent_at: datetime) -> bytes:
    """The Standard Webhooks payload shape: `type`, `timestamp` and `data`."""
    body = {
        "type": EVENT_TYPE,
        "timestamp": sent_at.isoformat(),
        "data": alert.model_dump(mode="json"),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def slack_body(alert: Alert) -> bytes:
    """A Slack incoming-webhook message: a plain `text` for notifications, and blocks."""
    product = alert.product or "a product"
    headline = f"{_SENTIMENT.get(alert.sentiment, '')} {alert.sentiment} feedback on {product}"
    fields = [
        {"type": "mrkdwn", "text": f"*Topics*\n{_escape(', '.join(alert.topics) or 'none')}"},
        {"type": "mrkdwn", "text": f"*Sentiment*\n{alert.sentiment}"},
    ]
    if alert.rating is not None:
        fields.append(
            {"type": "mrkdwn", "text": f"*Rating*\n{'★' * alert.rating}{'☆' * (5 - alert.rating)}"}
        )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_escape(headline.strip())}*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _quoted(alert.text)}},
        {"type": "section", "fields": fields},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open the feedback"},
                    "url": alert.link,
                }
            ],
        },
    ]
    text = f"{headline.strip()}: {alert.text[:200]}"
    return json.dumps({"text": text, "blocks": blocks}, ensure_ascii=False).encode()


_SENTIMENT = {"negative": "🔴", "mixed": "🟠", "neutral": "⚪", "positive": "🟢"}


def _escape(text: str) -> str:
    """Slack's three control characters, so a customer's words cannot mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    """The customer's words as a quote (Slack's section text is at most 3,000 characters)."""
    return "\n".join(f">{line}" for line in _escape(text[:2800]).splitlines() or [""])
