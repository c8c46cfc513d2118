"""Where the taxonomy comes from: the port (the HTTP one: `adapters/persistence_taxonomy`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from insights.taxonomy import Topic


@dataclass(frozen=True)
class Taxonomy:
    """The topics (active or not) and the version they make."""

    version: int
    topics: tuple[Topic, ...]


class TaxonomySource(Protocol):
    """Gives the current taxonomy."""

    async def current(self, *, at_least: int = 0) -> Taxonomy: ...
