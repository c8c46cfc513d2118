"""Which feedback an owner wants to hear about at once: a rule per destination."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from feedback_contracts import FeedbackTaggedV4

Sentiment = Literal["positive", "negative", "neutral", "mixed"]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class Rule(BaseModel):
    """Every condition that is set must hold, and within one, any of its values: negative or
    mixed feedback about delivery, say. A rule with no condition matches every new feedback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sentiments: list[Sentiment] = Field(default_factory=list, max_length=4)
    topics: list[Term] = Field(default_factory=list, max_length=50, description="Topic labels.")
    products: list[Term] = Field(
        default_factory=list, max_length=50, description="Product names, as the customer gave."
    )
    words: list[Term] = Field(
        default_factory=list, max_length=50, description="Whole words or phrases in the text."
    )
    max_rating: int | None = Field(
        default=None, ge=1, le=5, description="Rated this or lower (feedback with no rating: no)."
    )


def matches(rule: Rule, feedback: FeedbackTaggedV4) -> bool:
    """Whether the feedback is one the rule asks for (case and accents as written)."""
    if rule.sentiments and feedback.sentiment not in rule.sentiments:
        return False
    if rule.topics and not _folded(rule.topics) & _folded(feedback.topics):
        return False
    if rule.products and (feedback.product_name or "").casefold() not in _folded(rule.products):
        return False
    if rule.max_rating is not None and (
        feedback.rating is None or feedback.rating > rule.max_rating
    ):
        return False
    return not rule.words or any(_says(feedback.feedback_text, word) for word in rule.words)


def _folded(values: list[str]) -> set[str]:
    return {value.strip().casefold() for value in values}


def _says(text: str, phrase: str) -> bool:
    """The phrase as whole words: "late" is in "came late", not in "chocolate"."""
    words = r"\s+".join(re.escape(part) for part in phrase.casefold().split())
    return re.search(rf"(?<!\w){words}(?!\w)", text.casefold()) is not None
