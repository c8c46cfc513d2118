"""The language a feedback is written in, offline: py3langid's model, shipped in its wheel,
among the languages customers of a WhatsApp business most often write in."""

from __future__ import annotations

from functools import cache
from typing import Any

ENGLISH = "en"
# The candidates: the offline tagger reads English, and Portuguese and Spanish through its
# glossary; the others are named so that their feedback is told apart rather than misread.
CANDIDATES = ("en", "pt", "es", "fr", "de", "it", "nl", "pl", "tr", "ru", "ar", "hi", "id")
SHORTEST = 12  # letters: a shorter text is English's (too little for the model to tell)


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CANDIDATES))
    return identifier


def language_of(text: str) -> str:
    """The text's language (ISO 639-1), English when it says too little to tell."""
    if sum(ch.isalpha() for ch in text) < SHORTEST:
        return ENGLISH
    return str(_identifier().classify(text)[0])
