"""The tagger that needs no account: word embeddings and a sentiment lexicon, both shipped
in their wheels, working from the taxonomy's labels and descriptions alone. It reads English,
and Portuguese and Spanish glossed into English words (`glossary.py`); feedback in another
language gets no topic, and says why (`Tags.understood`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from insights.embeddings import WordEmbeddings
from insights.glossary import Glossary
from insights.languages import ENGLISH, language_of
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
    # Two sides of a "but" leaning opposite ways, each at least `mixed_floor` and one at least
    # `mixed_strength`, make the text mixed. On the restaurant set (136 mixed of 1,701), against
    # 0.5 for both: 30 mixed found (6), 31 wrongly (6), accuracy on the rest 0.753 (0.765).
    mixed_strength: float = 0.4
    mixed_floor: float = 0.05


class OfflineTagger:
    """Tags with the active topics' own words, expanded through word embeddings."""

    name = "offline"

    def __init__(
        self, thresholds: OfflineThresholds | None = None, *, glossary: Glossary | None = None
    ) -> None:
        self.thresholds = thresholds or OfflineThresholds()
        self._glossary = glossary or Glossary()
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
            mixed_floor=self.thresholds.mixed_floor,
        )

    def tag(self, texts: Sequence[str], *, taxonomy: Sequence[Topic]) -> list[Tags]:
        """Tags for each text, from the active topics of the taxonomy."""
        active = [t for t in taxonomy if t.active]
        languages = [language_of(text) for text in texts]
        # Each text in English words: every sense of each word for the topics, its first alone
        # for the sentiment's lexicon (the others are noise to a lexicon: "quero" is "want",
        # not "wish"); None where the tagger cannot read the language.
        read = self._readable(texts, languages)
        english = [" ".join(w for senses in r for w in senses) if r else "" for r in read]
        plain = [" ".join(senses[0] for senses in r) if r else "" for r in read]
        vectors = self._embeddings.sentences(english)
        # The sentiment's leaning from the customer's own words (its anchors are in all three
        # languages, and a gloss loses the negation's reach). An English text's own words are
        # the ones already embedded.
        own = vectors.copy()
        if foreign := [i for i, language in enumerate(languages) if language != ENGLISH]:
            own[foreign] = self._embeddings.sentences([texts[i] for i in foreign])
        sentiments = self._sentiment.sentiments(plain, own)
        return [
            Tags(
                self._lexicon.topics(text, vector, active) if known is not None else (),
                sentiment if known is not None else "neutral",
                one_line_summary(original),
                language=language,
                understood=known is not None,
            )
            for original, known, text, language, vector, sentiment in zip(
                texts, read, english, languages, vectors, sentiments, strict=True
            )
        ]

    def _readable(
        self, texts: Sequence[str], languages: Sequence[str]
    ) -> list[list[list[str]] | None]:
        """Each text's words with their English senses, or None when the tagger cannot read
        its language (an English word is its own sense); a language's texts glossed at once."""
        read: list[list[list[str]] | None] = [None] * len(texts)
        for language in set(languages):
            at = [i for i, lang in enumerate(languages) if lang == language]
            if language == ENGLISH:
                rows = [[[word] for word in texts[i].split()] for i in at]
            elif language in self._glossary.languages:
                rows = self._glossary.read([texts[i] for i in at], language)
            else:
                continue
            for i, row in zip(at, rows, strict=True):
                read[i] = row
        return read
