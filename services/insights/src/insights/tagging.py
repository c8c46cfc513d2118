"""The tagger port: what every tagger returns for one feedback text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from insights.taxonomy import Topic

Sentiment = Literal["positive", "negative", "neutral", "mixed"]
SENTIMENTS: tuple[Sentiment, ...] = ("positive", "negative", "neutral", "mixed")


@dataclass(frozen=True)
class Proposal:
    """A topic the taxonomy lacks, as a tagger would name and describe it."""

    label: str
    description: str


@dataclass(frozen=True)
class Tags:
    """Topics from the taxonomy, a sentiment and a one-line summary of one feedback, and
    the topic a tagger proposes when none fits."""

    topics: tuple[str, ...]
    sentiment: Sentiment
    summary: str
    proposal: Proposal | None = None
    tagger: str = "offline"  # which tagger answered: `offline`, or the LLM's model
    language: str | None = None  # the text's, as the tagger read it (ISO 639-1), if it knows
    understood: bool = True  # False: the tagger cannot read the language; no topic means that


class TaggerBusy(Exception):
    """The tagger's model turned the call away for now (its requests or tokens a minute):
    tag this feedback again later, rather than with a lesser tagger. Tagging keeps nobody
    waiting, so its tags can wait for the model."""


class Tagger(Protocol):
    """Tags feedback texts with the labels of the active topics given."""

    name: str

    def tag(self, texts: Sequence[str], *, taxonomy: Sequence[Topic]) -> list[Tags]: ...


def one_line_summary(text: str, *, limit: int = 140) -> str:
    """The text's first sentence on one line, cut at a word boundary under `limit`."""
    line = " ".join(text.split())
    for stop in (". ", "! ", "? ", "\n"):
        head, sep, _ = line.partition(stop)
        if sep and len(head) >= 20:
            line = head + stop.strip()
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0] + "…"
