"""Calls for concurrent handlers made together: one call's fixed cost shared by many.

While one call is under way, new entries wait and go into the next (`limit` a call, one
caller's entries never split): when idle a call carries one handler's entries, under load
many handlers'. An entry never joins a call already sent, so every call is made after each
of its callers asked. Used for DynamoDB's batch writes and reads (`dynamo.py`) and
persistence's inserts of the replies asked for.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

Entry = TypeVar("Entry")
Answer = TypeVar("Answer")


class Batcher(Generic[Entry, Answer]):
    """Runs `call` (blocking, in a thread) on the entries of the callers waiting together."""

    def __init__(self, call: Callable[[list[Entry]], list[Answer]], *, limit: int) -> None:
        self._call = call
        self._limit = limit
        self._waiting: deque[tuple[list[Entry], asyncio.Future[list[Answer]]]] = deque()
        self._caller: asyncio.Task[None] | None = None

    async def submit(self, entries: list[Entry]) -> list[Answer]:
        """The entries' answers, in order; raises what their call raised."""
        done: asyncio.Future[list[Answer]] = asyncio.get_running_loop().create_future()
        self._waiting.append((entries, done))
        if self._caller is None or self._caller.done():
            self._caller = asyncio.create_task(self._call_waiting())
        return await done

    async def _call_waiting(self) -> None:
        while self._waiting:
            batch = self._take()
            try:
                answers = await asyncio.to_thread(self._call, [e for es, _ in batch for e in es])
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            start = 0
            for entries, done in batch:
                if not done.done():
                    done.set_result(answers[start : start + len(entries)])
                start += len(entries)

    def _take(self) -> list[tuple[list[Entry], asyncio.Future[list[Answer]]]]:
        batch: list[tuple[list[Entry], asyncio.Future[list[Answer]]]] = []
        size = 0
        while self._waiting and (not batch or size + len(self._waiting[0][0]) <= self._limit):
            entry = self._waiting.popleft()
            batch.append(entry)
            size += len(entry[0])
        return batch
