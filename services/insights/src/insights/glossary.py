"""Portuguese and Spanish feedback read in English words, for the offline tagger.

The taxonomy is written in English and the tagger's word vectors (WordLlama) do not align
across languages ("comida" sits nowhere near "food"), so a Portuguese or Spanish text is first
glossed word by word: each content word becomes its English senses, Apertium's first where its
pairs are installed (`apertium.py`), then those of FreeDict's bilingual dictionaries as Debian
ships them for dictd (`dict-freedict-por-eng` and its kin, in /usr/share/dictd); and words of
negation, degree and contrast become their English equivalents, for the sentiment. Measured
on tests/tagging (`make bench-tagging-languages`): docs/benchmarks.md.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from stop_words import get_stop_words

from insights.apertium import Apertium, portuguese, spanish
from insights.stems import stems

SENSES = 6  # English senses kept per word: the taxonomy's word may be any of them
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_WORD = re.compile(r"[^\W\d_]+")
# Words the sentiment turns on, which dictionaries gloss badly or not at all.
_FUNCTION = {
    "pt": {
        **dict.fromkeys(["não", "nao", "nem"], "not"),
        **dict.fromkeys(["muito", "muita", "super", "bem"], "very"),
        **dict.fromkeys(["mas", "porém", "porem", "contudo"], "but"),
        **{"nunca": "never", "demais": "too", "pouco": "little", "sem": "without"},
        **{"nada": "nothing", "mal": "badly", "tão": "so", "ninguém": "nobody"},
    },
    "es": {
        **dict.fromkeys(["no", "ni"], "not"),
        **dict.fromkeys(["muy", "súper", "super"], "very"),
        **dict.fromkeys(["pero", "aunque", "sin embargo"], "but"),
        **dict.fromkeys(["demasiado", "demasiada", "demasiados", "demasiadas"], "too"),
        **{"nunca": "never", "poco": "little", "sin": "without", "nada": "nothing"},
        **{"mal": "badly", "tan": "so", "nadie": "nobody"},
    },
}
# Each language's dictionaries: into English, out of English (read backwards), and through a
# neighbour (Spanish through Portuguese) for the words the first two lack.
_SOURCES = {
    "pt": ("por-eng", "eng-por", None),
    "es": ("spa-eng", "eng-spa", ("spa-por", "por-spa", "pt")),
}
DEFAULT_DIRECTORY = Path("/usr/share/dictd")


class Glossary:
    """English glosses of Portuguese and Spanish words, from the dictionaries found."""

    def __init__(
        self,
        directory: Path = DEFAULT_DIRECTORY,
        *,
        lexicons: Mapping[str, Apertium] | None = None,
    ) -> None:
        self._words: dict[str, dict[str, list[str]]] = {}
        for language in _SOURCES:
            words = _load(directory, language, self._words)
            if words:
                self._words[language] = words
        if lexicons is None:
            lexicons = {"es": spanish(), "pt": portuguese()}
        self._lexicons = {lang: lex for lang, lex in lexicons.items() if lex.available}

    @property
    def languages(self) -> frozenset[str]:
        """The languages whose dictionaries were found."""
        return frozenset(self._words) | frozenset(self._lexicons)

    def read(self, texts: list[str], language: str) -> list[list[list[str]]]:
        """Each text's content words as their English senses, in order: the language's
        lexicon's first, then its dictionaries' or its neighbour's; a word none of them knows
        stays as it is. The lexicon is asked once for the whole batch."""
        function, stop = _FUNCTION[language], _stop_words(language)
        tables = [self._words.get(language, {})] + [
            words for other, words in self._words.items() if other != language
        ]
        words = [
            [w for w in _WORD.findall(t.lower()) if w in function or w not in stop] for t in texts
        ]
        lexicon = self._lexicons.get(language)
        first = lexicon.translations(w for ws in words for w in ws) if lexicon else {}
        out: list[list[list[str]]] = []
        for text_words in words:
            read: list[list[str]] = []
            for word in text_words:
                if word in function:
                    read.append([function[word]])
                    continue
                forms = stems(word)
                known = next((t[f] for t in tables for f in forms if t.get(f)), [])
                senses = list(dict.fromkeys([*first.get(word, ()), *known]))
                read.append(senses[:SENSES] or [word])
            out.append(read)
        return out


@cache
def _stop_words(language: str) -> frozenset[str]:
    return frozenset(get_stop_words(language))


def _load(
    directory: Path, language: str, known: dict[str, dict[str, list[str]]]
) -> dict[str, list[str]]:
    into, out_of, neighbour = _SOURCES[language]
    words: dict[str, list[str]] = {}
    for word, senses in _entries(directory, into):
        words[word] = [w for sense in senses for w in sense[:3]][:SENSES]
    for english, senses in _entries(directory, out_of):
        for sense in senses[:2]:
            for word in sense:
                glosses = words.setdefault(word, [])
                if " " not in word and english not in glosses and len(glosses) < SENSES:
                    glosses.append(english)
    if neighbour is not None and neighbour[2] in known:
        _through(directory, neighbour, words, known[neighbour[2]])
    return words


def _through(
    directory: Path,
    neighbour: tuple[str, str, str],
    words: dict[str, list[str]],
    theirs: dict[str, list[str]],
) -> None:
    """Glosses for the words the language's own dictionaries lack, through its neighbour's."""
    into, out_of, _ = neighbour
    via: dict[str, list[str]] = {}
    for word, senses in _entries(directory, into):
        via.setdefault(word, []).extend(w for sense in senses for w in sense[:2])
    for other, senses in _entries(directory, out_of):
        for sense in senses[:2]:
            for word in sense:
                via.setdefault(word, []).append(other)
    for word, others in via.items():
        if words.get(word):
            continue
        english = list(dict.fromkeys(g for o in others[:3] for g in theirs.get(o, [])[:3]))
        if english:
            words[word] = english[:SENSES]


def _entries(directory: Path, pair: str) -> Iterator[tuple[str, list[list[str]]]]:
    """A dictd dictionary's headwords and their senses (each a list of translations)."""
    index, data = directory / f"freedict-{pair}.index", directory / f"freedict-{pair}.dict.dz"
    if not (index.exists() and data.exists()):
        return
    text = gzip.decompress(data.read_bytes())  # dictzip is gzip with an index in its header
    for line in index.read_text(encoding="utf-8").splitlines():
        headword, offset, length = line.split("\t")[:3]
        if headword.startswith("00-database"):
            continue
        start = _number(offset)
        body = text[start : start + _number(length)].decode("utf-8", "replace").splitlines()
        senses = [_sense(line) for line in body[1:]]
        yield headword.lower(), [sense for sense in senses if sense]


def _sense(line: str) -> list[str]:
    plain = re.sub(r"^\d+\.\s*", "", line.strip())
    return [word.strip().lower() for word in plain.split(",") if word.strip()]


def _number(base64: str) -> int:
    value = 0
    for char in base64:
        value = value * 64 + _B64.index(char)
    return value
