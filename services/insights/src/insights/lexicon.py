"""Topics found word by word: each word joins the topic whose own words it is closest to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from stop_words import get_stop_words

from insights.embeddings import Vectors, WordEmbeddings
from insights.taxonomy import Topic

_WORD = re.compile(r"[^\W\d_]{3,}")


@cache
def _stop_words() -> frozenset[str]:
    # Customers write English, Portuguese and Spanish to the same number.
    return frozenset(w for lang in ("en", "pt", "es") for w in get_stop_words(lang))


def content_words(text: str, *, keep: frozenset[str] = frozenset()) -> list[str]:
    """The words of a text that can carry a topic: lower-cased, no numbers, and no stop words
    but those in `keep` (the list is broad: "room", "order" or "bill" can be a label)."""
    stop = _stop_words()
    return [w for w in _WORD.findall(text.lower()) if w not in stop or w in keep]


def label_words(taxonomy: Sequence[Topic]) -> frozenset[str]:
    """The words of the topics' labels, which are never stop words for that taxonomy."""
    return frozenset(w for topic in taxonomy for w in _WORD.findall(topic.label.lower()))


@dataclass(frozen=True)
class _Seeds:
    """A taxonomy's label words and, per topic, the vectors of its own words."""

    keep: frozenset[str]
    vectors: list[Vectors]


class TopicLexicon:
    """Matches a text's words against each topic's label and description words."""

    def __init__(self, embeddings: WordEmbeddings, *, threshold: float) -> None:
        self._embeddings = embeddings
        self._threshold = threshold
        self._seeds: dict[tuple[Topic, ...], _Seeds] = {}

    def topics(self, text: str, taxonomy: Sequence[Topic]) -> tuple[str, ...]:
        """The labels of the topics that some word of the text belongs to, in taxonomy order."""
        if not taxonomy:
            return ()
        seeds = self._seeds_of(taxonomy)
        words = list(dict.fromkeys(content_words(text, keep=seeds.keep)))
        if not words:
            return ()
        vectors = self._embeddings.words(words)
        # A word's closeness to a topic is its closeness to the nearest of the topic's words.
        closeness = np.stack([(vectors @ own.T).max(axis=1) for own in seeds.vectors])
        nearest = closeness.argmax(axis=0)
        found = {int(t) for w, t in enumerate(nearest) if closeness[t, w] >= self._threshold}
        return tuple(topic.label for i, topic in enumerate(taxonomy) if i in found)

    def _seeds_of(self, taxonomy: Sequence[Topic]) -> _Seeds:
        key = tuple(taxonomy)
        if key not in self._seeds:
            keep = label_words(taxonomy)
            vectors = [
                self._embeddings.words(
                    content_words(f"{t.label} {t.description}", keep=keep) or [t.label.lower()]
                )
                for t in taxonomy
            ]
            self._seeds[key] = _Seeds(keep, vectors)
        return self._seeds[key]
