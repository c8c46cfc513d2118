"""The taxonomy source's fake: a fixed taxonomy, for unit tests and the offline evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field

from insights.taxonomy import Topic
from insights.taxonomy_source import Taxonomy


@dataclass
class StaticTaxonomy:
    """A taxonomy held in memory, for tests and the evaluation."""

    topics: list[Topic] = field(default_factory=list)
    version: int = 1

    async def current(self, *, at_least: int = 0) -> Taxonomy:
        """The topics as they are now."""
        return Taxonomy(self.version, tuple(self.topics))
