"""Sentiment from VADER's lexicon, blended with how close the text sits to plainly
positive and plainly negative sentences in embedding space."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from insights.embeddings import Vectors, WordEmbeddings
from insights.tagging import Sentiment

_POSITIVE = (
    "It was great, I loved it and I recommend it.",
    "Excellent, wonderful, really good.",
    "Very happy, it was perfect.",
)
_NEGATIVE = (
    "It was terrible, I hated it and I do not recommend it.",
    "Awful, disappointing, really bad.",
    "Very unhappy, it was a disaster.",
)
# A turn in the text: "the food was great but the service was slow".
_CONTRAST = re.compile(r"\b(?:but|although|though|however|except|yet|mas|porém|pero|aunque)\b")


class SentimentScorer:
    """Scores texts from -1 to 1 and names the sentiment, `mixed` when clauses disagree."""

    def __init__(
        self,
        embeddings: WordEmbeddings,
        *,
        embedding_weight: float,
        neutral_band: float,
        mixed_strength: float,
    ) -> None:
        self._vader = SentimentIntensityAnalyzer()
        self._embeddings = embeddings
        anchors = embeddings.sentences([*_POSITIVE, *_NEGATIVE])
        self._direction = anchors[: len(_POSITIVE)].mean(0) - anchors[len(_POSITIVE) :].mean(0)
        self._weight = embedding_weight
        self._band = neutral_band
        self._mixed = mixed_strength

    def sentiments(self, texts: Sequence[str]) -> list[Sentiment]:
        """One sentiment per text."""
        scores = self._scores(texts, self._embeddings.sentences(texts))
        return [self._name(text, score) for text, score in zip(texts, scores, strict=True)]

    def _scores(self, texts: Sequence[str], vectors: Vectors) -> list[float]:
        lexical = np.array([self._vader.polarity_scores(t)["compound"] for t in texts])
        return [float(s) for s in lexical + self._weight * (vectors @ self._direction)]

    def _name(self, text: str, score: float) -> Sentiment:
        clauses = [c for c in _CONTRAST.split(text.lower()) if c.strip()]
        if len(clauses) > 1:
            parts = self._scores(clauses, self._embeddings.sentences(clauses))
            if max(parts) >= self._mixed and min(parts) <= -self._mixed:
                return "mixed"
        if score > self._band:
            return "positive"
        if score < -self._band:
            return "negative"
        return "neutral"
