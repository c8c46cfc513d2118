"""WordLlama's static embeddings, loaded from the weights its wheel ships, never from a hub."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import wordllama
from wordllama import WordLlama

Vectors = npt.NDArray[np.float32]


class WordEmbeddings:
    """Unit-length sentence and word vectors, with a bounded cache of the words seen."""

    def __init__(self, *, cache_size: int = 200_000) -> None:
        # The wheel carries the weights and the tokenizer; WordLlama looks for the tokenizer
        # in `<cache_dir>/tokenizers/`, which is where the wheel has it, and downloads nothing.
        package_dir = Path(wordllama.__file__).parent
        self._model = WordLlama.load(cache_dir=package_dir, disable_download=True)
        self._words: dict[str, Vectors] = {}
        self._cache_size = cache_size

    def sentences(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text; a text with no tokens ("", "  ") has the zero vector,
        close to nothing, where WordLlama's normalization would divide by zero."""
        with np.errstate(invalid="ignore", divide="ignore"):
            vectors = self._model.embed(list(texts), norm=True)
        return np.nan_to_num(np.asarray(vectors, dtype=np.float32), nan=0.0)

    def words(self, words: Sequence[str]) -> Vectors:
        """One unit vector per word, embedded once and then served from the cache."""
        missing = [w for w in dict.fromkeys(words) if w not in self._words]
        if missing:
            if len(self._words) + len(missing) > self._cache_size:
                self._words.clear()
            self._words.update(zip(missing, self.sentences(missing), strict=True))
        if not words:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self._words[w] for w in words])

    @property
    def dimensions(self) -> int:
        """The width of every vector."""
        return int(self.sentences(["x"]).shape[1])
