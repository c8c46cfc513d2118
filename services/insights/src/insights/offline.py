"""The tagger that needs no account: word embeddings and a sentiment lexicon, both shipped
in their wheels, working from the taxonomy's labels and descriptions alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from insights.embeddings import WordEmbeddings
from insights.lexicon import TopicLexicon
from insights.sentiment import SentimentScorer
from insights.tagging import Tags, one_line_summary
from insights.taxonomy import Topic


@dataclass(frozen=True)
class OfflineThresholds:
    """The offline tagger's knobs; a JobConfig records the ones a backfill ran with."""

    topic_closeness: float = 0.55
    whole_text_margin: float = 0.1
    sentiment_embedding_weight: float = 3.0
    neutral_band: float = 0.005
    mixed_strength: float = 0.5


class OfflineTagger:
    """Tags with the active topics' own words, expanded through word embeddings."""

    name = "offline"

    def __init__(self, thresholds: OfflineThresholds | None = None) -> None:
        self.thresholds = thresholds or OfflineThresholds()
        self._embeddings = embeddings = WordEmbeddings()
        self._lexicon = TopicLexicon(
            embeddings,
            threshold=self.thresholds.topic_closeness,
            margin=self.thresholds.whole_text_margin,
        )
        self._sentiment = SentimentScorer(
            embeddings,
            embedding_weight=self.thresholds.sentiment_embedding_weight,
            neutral_band=self.thresholds.neutral_band,
            mixed_strength=self.thresholds.mixed_strength,
        )

    def tag(self, texts: Sequence[str], *, taxonomy: Sequence[Topic]) -> list[Tags]:
        """Tags for each text, from the active topics of the taxonomy."""
        active = [t for t in taxonomy if t.active]
        vectors = self._embeddings.sentences(texts)  # once, for the topics and the sentiment
        sentiments = self._sentiment.sentiments(texts, vectors)
        return [
            Tags(self._lexicon.topics(text, vector, active), sentiment, one_line_summary(text))
            for text, vector, sentiment in zip(texts, vectors, sentiments, strict=True)
        ]
