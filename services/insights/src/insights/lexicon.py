"""Topics found word by word: each word joins the topic whose own words it is closest to; and
the text as a whole joins the topic it sits clearly closer to than to feedback about nothing."""

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


# The words that join a label's words ("value for money", "food and drinks"), which name
# nothing; three letters and up, as _WORD finds them.
_JOINING_WORDS = frozenset(
    {
        *("and", "the", "for", "with", "from", "into", "about", "over", "under"),  # English
        *("dos", "das", "para", "por", "com", "pelo", "pela"),  # Portuguese
        *("del", "los", "las", "con"),  # Spanish
    }
)


def label_words(taxonomy: Sequence[Topic]) -> frozenset[str]:
    """The words of the topics' labels, which are never stop words for that taxonomy (the
    broad list holds "room", "order" and "value"), less the words joining a label's words."""
    return frozenset(
        w
        for topic in taxonomy
        for w in _WORD.findall(topic.label.lower())
        if w not in _JOINING_WORDS
    )


# Feedback about nothing in particular: a text no closer to a topic than to these names none.
_GENERAL = (
    "It was great.",
    "It was bad.",
    "I loved it.",
    "I hated it.",
    "Never again.",
    "I will come back.",
    "Highly recommended.",
    "Very disappointed.",
    "We went there last week.",
    "Thank you.",
)


def _centroid(vectors: Vectors) -> Vectors:
    mean: Vectors = vectors.mean(axis=0)
    unit: Vectors = mean / np.linalg.norm(mean)
    return unit


@dataclass(frozen=True)
class _Seeds:
    """A taxonomy's label words and, per topic, the vectors of its own words and the centre
    of short sentences about it."""

    keep: frozenset[str]
    vectors: list[Vectors]
    centres: Vectors


class TopicLexicon:
    """Matches a text's words against each topic's label and description words."""

    def __init__(self, embeddings: WordEmbeddings, *, threshold: float, margin: float) -> None:
        self._embeddings = embeddings
        self._threshold = threshold
        self._margin = margin
        self._general = embeddings.sentences(_GENERAL)
        self._seeds: dict[tuple[Topic, ...], _Seeds] = {}

    def topics(self, text: str, whole: Vectors, taxonomy: Sequence[Topic]) -> tuple[str, ...]:
        """The labels of the topics that some word of the text, or the text as a whole (its
        sentence vector `whole`), belongs to, in taxonomy order."""
        if not taxonomy:
            return ()
        seeds = self._seeds_of(taxonomy)
        found = self._by_word(text, seeds)
        # The whole text finds what no single word names ("the pizza was soggy" is about food).
        lead = seeds.centres @ whole - (self._general @ whole).max()
        if lead.max() >= self._margin:
            found.add(int(lead.argmax()))
        return tuple(topic.label for i, topic in enumerate(taxonomy) if i in found)

    def _by_word(self, text: str, seeds: _Seeds) -> set[int]:
        words = list(dict.fromkeys(content_words(text, keep=seeds.keep)))
        if not words:
            return set()
        vectors = self._embeddings.words(words)
        # A word's closeness to a topic is its closeness to the nearest of the topic's words.
        closeness = np.stack([(vectors @ own.T).max(axis=1) for own in seeds.vectors])
        nearest = closeness.argmax(axis=0)
        return {int(t) for w, t in enumerate(nearest) if closeness[t, w] >= self._threshold}

    def _seeds_of(self, taxonomy: Sequence[Topic]) -> _Seeds:
        key = tuple(taxonomy)
        if key not in self._seeds:
            keep = label_words(taxonomy)
            own = [
                content_words(f"{t.label} {t.description}", keep=keep) or [t.label.lower()]
                for t in taxonomy
            ]
            vectors = [self._embeddings.words(words) for words in own]
            centres = np.stack(
                [
                    _centroid(self._embeddings.sentences(_about(topic, words)))
                    for topic, words in zip(taxonomy, own, strict=True)
                ]
            )
            self._seeds[key] = _Seeds(keep, vectors, centres)
        return self._seeds[key]


def _about(topic: Topic, words: Sequence[str]) -> list[str]:
    """Short sentences about a topic, good and bad, from its label, description and words."""
    sentences = [f"The {topic.label} was great.", f"The {topic.label} was bad."]
    if topic.description:
        sentences.append(topic.description)
    for word in words:
        sentences += [f"The {word} was good.", f"The {word} was bad."]
    return sentences
