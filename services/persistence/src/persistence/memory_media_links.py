"""The media links' fake: predictable links, for unit tests."""

from __future__ import annotations


class InMemoryMediaLinks:
    """Links for tests: the URI's key under a fixed base."""

    def __init__(self, base: str = "https://media.invalid/") -> None:
        self.base = base

    def link(self, uri: str) -> str:
        """The key under the base."""
        return self.base + uri.removeprefix("s3://").partition("/")[2]
