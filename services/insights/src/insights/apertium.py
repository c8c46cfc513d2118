"""Spanish and Portuguese words in English, through Apertium's language pairs as Debian ships
them (`apertium-eng-spa` and `apertium-es-pt`, read with `lttoolbox`'s lt-proc).

A pair's analyser takes an inflected word to its lemmas ("ruidosa" to "ruidoso"), and its
bilingual dictionary takes each lemma to the other language's ("noisy"); Portuguese reaches
English through Spanish, as there is no Portuguese-English pair. These are a translation
system's lexicons, larger and more careful than FreeDict's dictionaries ("tapa" is "cover"
here, "slap" there). lt-proc runs once a batch for each step, on the words not met before; the
answers are remembered. Measured on tests/tagging (`make bench-tagging-languages`):
docs/benchmarks.md.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

PAIRS = Path("/usr/share/apertium")
REMEMBERED = 50_000  # words a lexicon remembers; about 10 MB at most
TIMEOUT_S = 30.0
_UNIT = re.compile(r"\^(.*?)(?<!\\)\$")
_PART = re.compile(r"(?<!\\)/")
_TAGS = re.compile(r"<[^>]*>")


class Apertium:
    """English lemmas of one language's words, when lt-proc and the pairs are installed: the
    words analysed, then each reading carried through the bilingual dictionaries in turn."""

    def __init__(
        self,
        analyser: Path,
        bilingual: Sequence[Path],
        *,
        program: str | None = None,
        remembered: int = REMEMBERED,
    ) -> None:
        self._analyser = analyser
        self._bilingual = list(bilingual)
        self._program = program or shutil.which("lt-proc")
        self._remembered = remembered
        self._known: dict[str, list[str]] = {}

    @property
    def available(self) -> bool:
        """Whether lt-proc and every dictionary of the way to English are here."""
        files = [self._analyser, *self._bilingual]
        return bool(self._program) and all(path.exists() for path in files)

    def translations(self, words: Iterable[str]) -> dict[str, list[str]]:
        """Each word's English lemmas, in Apertium's order; [] for a word it does not know.
        Words are letters only (the glossary's tokens), so none is read as lt-proc markup."""
        words = list(dict.fromkeys(words))
        new = [word for word in words if word not in self._known]
        if new and self.available:
            self._learn(new)
        return {word: self._known.get(word, []) for word in words}

    def _learn(self, words: list[str]) -> None:
        try:
            readings = _units(self._run("-w", self._analyser, words))
            for dictionary in self._bilingual:
                asked = list(dict.fromkeys(r for found in readings.values() for r in found))
                found = _units(self._run("-b", dictionary, [f"^{r}$" for r in asked]))
                readings = {
                    w: _once(t for r in rs for t in found.get(r, ())) for w, rs in readings.items()
                }
        except (OSError, subprocess.SubprocessError) as error:
            # The glossary's FreeDict senses still serve; the words are asked again next time.
            log.warning("apertium_unavailable", extra={"error": str(error)})
            return
        if len(self._known) + len(words) > self._remembered:
            self._known.clear()
        for word in words:
            self._known[word] = _once(filter(None, map(_lemma, readings.get(word, ()))))

    def _run(self, mode: str, dictionary: Path, lines: list[str]) -> str:
        done = subprocess.run(
            [str(self._program), mode, str(dictionary)],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=True,
        )
        return done.stdout


def spanish(pairs: Path = PAIRS) -> Apertium:
    """Spanish through the English-Spanish pair."""
    pair = pairs / "apertium-eng-spa"
    return Apertium(pair / "spa-eng.automorf.bin", [pair / "spa-eng.autobil.bin"])


def portuguese(pairs: Path = PAIRS) -> Apertium:
    """Portuguese into Spanish through the Spanish-Portuguese pair, then into English."""
    pair = pairs / "apertium-es-pt"
    into_english = pairs / "apertium-eng-spa" / "spa-eng.autobil.bin"
    return Apertium(pair / "pt-es.automorf.bin", [pair / "pt-es.autobil.bin", into_english])


def _once(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _units(output: str) -> dict[str, list[str]]:
    """lt-proc's `^input/reading/reading$` units: each input and its readings, without the
    unknown ones (`*word`, `@lemma`)."""
    units: dict[str, list[str]] = {}
    for unit in _UNIT.findall(output):
        given, *readings = _PART.split(unit)
        units[given.replace("\\", "")] = [
            r.replace("\\", "") for r in readings if r and r[0] not in "*@#"
        ]
    return units


def _lemma(reading: str) -> str:
    """An English reading's lemma: "ice# cream<n><sg>" to "ice cream"."""
    return _TAGS.sub("", reading).replace("#", "").strip().lower()
