"""Whether a message is abuse: toxic or profane *and* addressed to someone.

alt-profanity-check's model (trained on toxic comments, shipped in its wheel) and
glin-profanity's dictionaries for Portuguese and Spanish, so "this kettle is crap" stays
feedback and "you are a useless stupid bot" does not.
"""

from __future__ import annotations

import functools
import re
from typing import Any

TOXIC = 0.8  # alt-profanity-check's probability from which a message is toxic


_SECOND_PERSON = re.compile(
    r"\b(you|your|you're|u|ur|yourself|bot|você|voce|vc|tu|teu|seu|sua|usted|eres|te|tú)\b",
    re.IGNORECASE,
)


# Insults that the dictionaries miss, said of the one addressed ("eres un bot inútil"): a
# product called useless ("tu cafetera es inútil") is feedback, not abuse.
_INSULTED = re.compile(
    r"\b(you are|you're|ur|eres|sos|es usted|você é|voce é|vc é|tu és|tu es|você está|"
    r"voce esta)\b[^.!?]{0,40}?\b(stupid|useless|idiot|moron|dumb|estúpid[oa]s?|estupid[oa]s?|"
    r"inútil|inutil|imbécil|imbecil|idiota|tont[oa]|burr[oa]|otári[oa]|otari[oa]|babaca|"
    r"besta|incompetente)\b",
    re.IGNORECASE,
)


@functools.cache
def _profanity() -> tuple[Any, Any]:
    from glin_profanity import Filter
    from profanity_check import predict_prob

    return Filter({"languages": ["english", "portuguese", "spanish"]}), predict_prob


def is_abusive(text: str) -> bool:
    """Toxic or profane, and addressed to someone (the bot, the staff, the reader)."""
    if not _SECOND_PERSON.search(text):
        return False
    if _INSULTED.search(text):
        return True
    lexicon, model = _profanity()
    return float(model([text])[0]) >= TOXIC or bool(lexicon.is_profane(text))
