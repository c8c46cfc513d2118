"""Which language a customer writes in, offline.

py3langid's model (shipped in its wheel, no download) restricted to the languages the analyzer
answers in, and hint words for messages too short for it ("hola", "sim").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from analyzer.verdict import Turn

Language = Literal["en", "pt", "es"]


LANGUAGES: tuple[Language, ...] = ("en", "pt", "es")


def plain(text: str) -> str:
    return re.sub(r"[^\w\s']", " ", text.lower()).strip()


def words_of(text: str) -> list[str]:
    return plain(text).split()


def has_letters(text: str) -> bool:
    """Whether the text has a letter or digit at all (bare emoji and punctuation do not)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


# Words that tell a language apart in messages too short for the model ("hola", "sim").
_HINTS: dict[str, Language] = {
    **dict.fromkeys(
        ["olá", "oi", "obrigado", "obrigada", "valeu", "sim", "não", "nao", "bom", "boa", "tudo"],
        "pt",
    ),
    **dict.fromkeys(["hola", "gracias", "sí", "buenos", "buenas", "vale"], "es"),
}


def language_of(texts: Iterable[str], default: Language = "en") -> Language:
    """The language of the customer's recent messages; `default` while they say too little."""
    joined = " ".join(t for t in texts if has_letters(t))
    if len(plain(joined).replace(" ", "")) < 12:
        hinted = [_HINTS[word] for word in words_of(joined) if word in _HINTS]
        return hinted[-1] if hinted else default
    label = str(_identifier().classify(joined)[0])
    return next((language for language in LANGUAGES if language == label), default)


def customer_language(turns: Iterable[Turn], *also: str) -> Language:
    """The language the customer writes in: their last four messages in `turns`, and `also`."""
    said = [turn.text for turn in turns if turn.role == "customer"]
    return language_of([*said[-4:], *also])
