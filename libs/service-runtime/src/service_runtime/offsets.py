"""Which of a partition's fetched offsets are handled, and so which offset may be committed."""

from __future__ import annotations

from collections import deque


class PartitionOffsets:
    """Offsets of one partition in fetch order; records finish in any order.

    The committable offset is the one after the handled prefix: every record below it is
    handled, so committing it can never skip an unhandled record."""

    def __init__(self) -> None:
        self._outstanding: deque[int] = deque()
        self._handled_early: set[int] = set()
        self._committable: int | None = None
        self._committed: int | None = None

    def fetched(self, offset: int) -> None:
        """A record was fetched (offsets arrive in increasing order)."""
        self._outstanding.append(offset)

    def handled(self, offset: int) -> None:
        """A record finished; move the prefix past every record handled in a row."""
        self._handled_early.add(offset)
        while self._outstanding and self._outstanding[0] in self._handled_early:
            done = self._outstanding.popleft()
            self._handled_early.discard(done)
            self._committable = done + 1

    @property
    def outstanding(self) -> int:
        """Records fetched and not yet behind the prefix (running, waiting, or done early)."""
        return len(self._outstanding)

    def to_commit(self) -> int | None:
        """The offset to commit, or None when it was committed already."""
        return self._committable if self._committable != self._committed else None

    def committed(self, offset: int) -> None:
        """The broker took this offset."""
        self._committed = offset
