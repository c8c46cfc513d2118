"""Sentiment from VADER's lexicon, blended with how close the text sits to plainly
positive and plainly negative sentences in embedding space."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from insights.embeddings import Vectors, WordEmbeddings
from insights.tagging import Sentiment

# Plainly positive and plainly negative customer feedback about any business, the same
# sentences in each language customers write: a text's closeness to the nearest few of each is
# its leaning. Each language has both sides, so a Portuguese text is not drawn to whichever side
# happens to share its words ("funciona" is in "funciona perfeitamente" and "não funciona").
_POSITIVE = (
    "It was great, I loved it and I recommend it.",
    "Excellent, wonderful, really good.",
    "Very happy, it was perfect.",
    "Works perfectly and arrived on time.",
    "Great quality, worth every penny.",
    "Friendly and helpful, thank you!",
    "Foi ótimo, adorei e recomendo.",
    "Excelente, maravilhoso, muito bom.",
    "Muito feliz, foi perfeito.",
    "Funciona perfeitamente e chegou no prazo.",
    "Ótima qualidade, vale cada centavo.",
    "Atenciosos e prestativos, obrigado!",
    "Fue genial, me encantó y lo recomiendo.",
    "Excelente, maravilloso, muy bueno.",
    "Muy contento, fue perfecto.",
    "Funciona perfectamente y llegó a tiempo.",
    "Gran calidad, vale cada centavo.",
    "Amables y atentos, ¡gracias!",
)
_NEGATIVE = (
    "It was terrible, I hated it and I do not recommend it.",
    "Awful, disappointing, really bad.",
    "Very unhappy, it was a disaster.",
    "It broke and does not work.",
    "It arrived late and damaged.",
    "Poor quality, it leaks and stopped working.",
    "Rude staff and nobody answered.",
    "Foi horrível, odiei e não recomendo.",
    "Péssimo, decepcionante, muito ruim.",
    "Muito insatisfeito, foi um desastre.",
    "Quebrou e não funciona.",
    "Chegou atrasado e danificado.",
    "Qualidade ruim, vaza e parou de funcionar.",
    "Atendentes grosseiros e ninguém respondeu.",
    "Fue horrible, lo odié y no lo recomiendo.",
    "Pésimo, decepcionante, muy malo.",
    "Muy descontento, fue un desastre.",
    "Se rompió y no funciona.",
    "Llegó tarde y dañado.",
    "Mala calidad, gotea y dejó de funcionar.",
    "Personal grosero y nadie respondió.",
)
NEAREST = 2
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
        mixed_floor: float,
    ) -> None:
        self._vader = SentimentIntensityAnalyzer()
        self._embeddings = embeddings
        self._positive = embeddings.sentences(_POSITIVE)
        self._negative = embeddings.sentences(_NEGATIVE)
        self._weight = embedding_weight
        self._band = neutral_band
        self._mixed, self._floor = mixed_strength, mixed_floor

    def sentiments(self, texts: Sequence[str], vectors: Vectors) -> list[Sentiment]:
        """One sentiment per text, given the texts' sentence vectors."""
        lexical, leaning = self._parts(texts, vectors)
        return [
            self._name(text, float(lx), float(ln))
            for text, lx, ln in zip(texts, lexical, leaning, strict=True)
        ]

    def _parts(self, texts: Sequence[str], vectors: Vectors) -> tuple[Vectors, Vectors]:
        lexical = np.array([self._vader.polarity_scores(t)["compound"] for t in texts])
        leaning = _nearest(vectors @ self._positive.T) - _nearest(vectors @ self._negative.T)
        return lexical, leaning

    def _name(self, text: str, lexical: float, leaning: float) -> Sentiment:
        clauses = [c for c in _CONTRAST.split(text.lower()) if c.strip()]
        if len(clauses) > 1:
            parts = self._blend(*self._parts(clauses, self._embeddings.sentences(clauses)))
            opposite = parts.max() >= self._floor and parts.min() <= -self._floor
            if opposite and max(parts.max(), -parts.min()) >= self._mixed:
                return "mixed"
        # Neutral only without a word of sentiment (or emoji: VADER reads them) and without a
        # leaning, or without a word at all ("!!!"): on labelled feedback, a blend near zero
        # was a weak positive or negative far more often than neutral.
        if lexical == 0 and (abs(leaning) < self._band or not any(c.isalpha() for c in text)):
            return "neutral"
        return "positive" if self._blend(lexical, leaning) > 0 else "negative"

    def _blend(self, lexical: Vectors | float, leaning: Vectors | float) -> Vectors:
        blended: Vectors = np.asarray(lexical + self._weight * leaning)
        return blended


def _nearest(similarities: Vectors) -> Vectors:
    """Per text, the mean similarity to its NEAREST closest anchors."""
    nearest: Vectors = np.sort(similarities, axis=1)[:, -NEAREST:].mean(axis=1)
    return nearest
