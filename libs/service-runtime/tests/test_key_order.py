"""Handling a partition's records: keys side by side, each key's records in order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from service_runtime.consuming import handle_in_key_order

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class FakeRecord:
    offset: int
    key: bytes | None
    topic: str = "t"
    partition: int = 0
    value: bytes | None = None
    headers: Sequence[tuple[str, bytes]] = ()


def partition(*keys: bytes) -> list[FakeRecord]:
    return [FakeRecord(offset, key) for offset, key in enumerate(keys)]


async def test_each_keys_records_are_handled_in_offset_order() -> None:
    handled: list[FakeRecord] = []

    async def handle(record: FakeRecord) -> None:
        await asyncio.sleep(0)  # let the other keys interleave
        handled.append(record)

    records = partition(b"a", b"b", b"a", b"c", b"b", b"a")
    assert await handle_in_key_order(records, handle, go_on=lambda: True) is None
    for key in (b"a", b"b", b"c"):
        offsets = [r.offset for r in handled if r.key == key]
        assert offsets == [r.offset for r in records if r.key == key]


async def test_different_keys_are_handled_side_by_side() -> None:
    b_started = asyncio.Event()

    async def handle(record: FakeRecord) -> None:
        if record.key == b"a":  # a handled alone first would wait here forever
            await asyncio.wait_for(b_started.wait(), timeout=5)
        else:
            b_started.set()

    assert await handle_in_key_order(partition(b"a", b"b"), handle, go_on=lambda: True) is None


async def test_stopping_reports_the_first_unhandled_offset() -> None:
    handled: list[int] = []

    async def handle(record: FakeRecord) -> None:
        handled.append(record.offset)
        await asyncio.sleep(0)  # a real handler awaits I/O, so the other key runs meanwhile

    records = partition(b"a", b"b", b"a", b"b")
    budget = iter([True, True, False, False])  # each key gets one record, then the budget is gone
    unhandled = await handle_in_key_order(records, handle, go_on=lambda: next(budget))
    assert sorted(handled) == [0, 1] and unhandled == 2
