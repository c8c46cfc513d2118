"""The forms a Portuguese or Spanish word may have in a dictionary: dictionaries list the
singular, the masculine and the infinitive, customers write "barulhenta", "mesas", "vaza"."""

from __future__ import annotations

_SUPERLATIVES = (("íssimo", "o"), ("íssima", "a"), ("ísimo", "o"), ("ísima", "a"))
_PLURALS = (
    ("ões", "ão"),
    ("ães", "ão"),
    ("ais", "al"),
    ("éis", "el"),
    ("eis", "el"),
    ("ns", "m"),
    ("es", ""),
    ("s", ""),
)
# Verb endings (participles, preterites, imperfects, present) and their infinitives.
_VERBS = (
    ("ado", ("ar",)),
    ("ada", ("ar",)),
    ("ido", ("er", "ir")),
    ("ida", ("er", "ir")),
    ("aram", ("ar",)),
    ("ava", ("ar",)),
    ("aba", ("ar",)),
    ("ou", ("ar",)),
    ("ió", ("er", "ir")),
    ("ó", ("ar",)),
    ("eu", ("er",)),
    ("iu", ("ir",)),
    ("am", ("ar",)),
    ("an", ("ar",)),
    ("em", ("er", "ir")),
    ("en", ("er", "ir")),
    ("a", ("ar",)),
    ("e", ("er", "ir")),
    ("o", ("ar", "er", "ir")),
)


def stems(word: str) -> list[str]:
    """The word, then the forms it may come from, most likely first."""
    forms = [word]
    for ending, base in _SUPERLATIVES:
        _strip(forms, word, ending, (base,))
    for form in list(forms):
        for ending, base in _PLURALS:
            _strip(forms, form, ending, (base,))
    for form in list(forms):  # the masculine of a feminine
        _strip(forms, form, "a", ("o",), shortest=1)
        _strip(forms, form, "as", ("o",), shortest=1)
    for form in list(forms):
        for ending, infinitives in _VERBS:
            _strip(forms, form, ending, infinitives)
    return forms


def _strip(
    forms: list[str], word: str, ending: str, bases: tuple[str, ...], shortest: int = 3
) -> None:
    if word.endswith(ending) and len(word) - len(ending) >= shortest:
        for base in bases:
            form = word[: -len(ending)] + base
            if form not in forms:
                forms.append(form)
