"""What the business's customers think: counts by topic, product and sentiment, the weekly
trend, and the newest feedback per topic, from the tagged rows of a time range."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from feedback_contracts import FeedbackTagged, FeedbackTaggedV3

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
NO_TOPIC = "(no topic)"
NOT_READ = "not tagged: language"  # no topic because the tagger cannot read the language


@dataclass(frozen=True)
class Tagged:
    """One feedback's product, tags and when it came."""

    product: str
    topics: Sequence[str]
    sentiment: str
    created_at: datetime
    language_understood: bool = True
    rating: int | None = None


@dataclass(frozen=True)
class TopicCount:
    """How often a topic came up, by sentiment and by product."""

    topic: str
    total: int
    sentiments: dict[str, int]
    products: dict[str, int]


def tag_language(event: FeedbackTagged) -> dict[str, Any]:
    """The language columns of a feedback's tags; events before v3 leave them unknown."""
    if not isinstance(event, FeedbackTaggedV3):
        return {"language": None, "language_understood": True}
    return {"language": event.language, "language_understood": event.language_understood}


def topic_counts(rows: Iterable[Tagged]) -> list[TopicCount]:
    """Every topic (and the feedback about none of them, or in a language the tagger cannot
    read), most talked about first."""
    sentiments: dict[str, Counter[str]] = defaultdict(Counter)
    products: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        for topic in topics_of(row):
            sentiments[topic][row.sentiment] += 1
            products[topic][row.product] += 1
    counts = [
        TopicCount(
            topic,
            sum(sentiments[topic].values()),
            {s: sentiments[topic][s] for s in SENTIMENTS},
            dict(products[topic].most_common()),
        )
        for topic in sentiments
    ]
    return sorted(counts, key=lambda c: (-c.total, c.topic))


def topics_of(row: Tagged) -> Sequence[str]:
    """The row's topics, or the bucket of a row about none of them."""
    return row.topics or [NO_TOPIC if row.language_understood else NOT_READ]


def weekly_trend(rows: Iterable[Tagged], *, weeks: int, today: date) -> list[dict[str, object]]:
    """Per week (Monday first) of the last `weeks`, the feedback by sentiment, oldest first."""
    first = monday(today) - timedelta(weeks=weeks - 1)
    counts = {first + timedelta(weeks=n): Counter[str]() for n in range(weeks)}
    for row in rows:
        week = monday(row.created_at.date())
        if week in counts:
            counts[week][row.sentiment] += 1
    return [
        {"week": week.isoformat(), **{s: counter[s] for s in SENTIMENTS}}
        for week, counter in counts.items()
    ]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
