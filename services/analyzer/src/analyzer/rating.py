"""A 1-5 rating in the customer's words, in English, Portuguese or Spanish.

`answered_rating` reads the answer to "how would you rate it, 1 to 5?": "4", "four", "quatro",
"cuatro", "⭐⭐⭐⭐", "4/5", "4 stars", "le doy un 4". `volunteered_rating` reads only the forms
that are a rating without being asked ("5 stars, love it", "4/5", "nota 4"), so that "I bought
2" never becomes one. Neither ever guesses: "0", "6", "-1", "4.5", "4 or 5" and an unfinished
"five stars but" are no rating.
"""

from __future__ import annotations

import re

from analyzer.language import words_of

SCALE = range(1, 6)
NUMBER_WORDS = {
    **dict.fromkeys(("zero", "cero"), 0),
    **dict.fromkeys(("one", "uno"), 1),
    **dict.fromkeys(("two", "dois", "duas", "dos"), 2),
    **dict.fromkeys(("three", "três", "tres"), 3),
    **dict.fromkeys(("four", "quatro", "cuatro"), 4),
    **dict.fromkeys(("five", "cinco"), 5),
    **dict.fromkeys(("six", "seis"), 6),
    **dict.fromkeys(("seven", "sete", "siete"), 7),
    **dict.fromkeys(("eight", "oito", "ocho"), 8),
    **dict.fromkeys(("nine", "nove", "nueve"), 9),
    **dict.fromkeys(("ten", "dez", "diez"), 10),
}
# "um", "uma", "un", "una" are also the article ("le doy un cuatro"): one only when alone or
# before a star ("una estrella").
ARTICLE_ONES = frozenset(("um", "uma", "un", "una"))
# A last word that leaves the answer unfinished ("five stars but"): wait for the rest.
UNFINISHED = frozenset(
    (
        *("but", "and", "or", "though", "although", "however"),  # en
        *("mas", "porém", "porem", "e", "ou", "embora"),  # pt
        *("pero", "y", "o", "aunque", "sino"),  # es
    )
)
_NUMBER = r"-?\d+(?:[.,]\d+)?|[^\W\d_]+"
_STAR = r"(?:⭐|★|🌟|stars?\b|estrelas?\b|estrellas?\b)"
_FRACTION = re.compile(rf"({_NUMBER})\s*(?:/|\bout of\b|\bde\b|\bof\b|\bsobre\b)\s*({_NUMBER})")
_STARS = re.compile(rf"({_NUMBER})\s*{_STAR}")
_LABELLED = re.compile(rf"\b(?:nota|rating|puntuación|calificación|score)\s*:?\s*({_NUMBER})")
_DECIMAL = re.compile(r"\d[.,]\d")


def _value(token: str) -> int | None:
    """The whole number a token says, if it says one."""
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    return NUMBER_WORDS.get(token)


def _in_scale(value: int | None) -> int | None:
    return value if value in SCALE else None


def _explicit(text: str) -> tuple[bool, int | None]:
    """A form that is a rating by itself: "4/5", "4 stars", "⭐⭐⭐⭐", "nota 4". Whether one
    was found, and its value on the 1-5 scale (None when it is off the scale, like "8/10")."""
    for fraction in _FRACTION.finditer(text):
        said, out_of = _value(fraction.group(1)), _value(fraction.group(2))
        if said is not None and out_of is not None:
            return True, _in_scale(said) if out_of == 5 else None
    for stars in _STARS.finditer(text):
        count = stars.group(1)
        if (value := 1 if count in ARTICLE_ONES else _value(count)) is not None:
            return True, _in_scale(value)  # "4 stars", "una estrella"
    emoji = sum(text.count(star) for star in ("⭐", "★", "🌟"))
    if emoji:
        return True, _in_scale(emoji)
    for labelled in _LABELLED.finditer(text):
        if (value := _value(labelled.group(1))) is not None:
            return True, _in_scale(value)
    return False, None


def _readable(text: str) -> str | None:
    """The text to read a rating from, or None when no rating can be read from it safely."""
    folded = text.strip().casefold()
    words = words_of(folded)
    if not folded or _DECIMAL.search(folded) or (words and words[-1] in UNFINISHED):
        return None
    return folded


def volunteered_rating(text: str) -> int | None:
    """A rating the customer gave without being asked ("5 stars, love it")."""
    folded = _readable(text)
    return _explicit(folded)[1] if folded else None


def answered_rating(text: str) -> int | None:
    """The rating in the answer to the rating question: an explicit form, or the one number
    the answer says (an article "un"/"uma" counts as one only when nothing else does)."""
    folded = _readable(text)
    if folded is None:
        return None
    found, value = _explicit(folded)
    if found:
        return value
    tokens = re.findall(_NUMBER, folded)
    numbers = {v for token in tokens if (v := _value(token)) is not None}
    if not numbers and any(token in ARTICLE_ONES for token in tokens) and len(tokens) == 1:
        numbers = {1}
    return _in_scale(numbers.pop()) if len(numbers) == 1 else None


def mentions(text: str, rating: int) -> bool:
    """Whether the customer's text says this rating in some form: a model's rating is kept
    only when it does, so that none is ever invented."""
    return rating in (answered_rating(text), volunteered_rating(text))
