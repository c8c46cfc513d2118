"""Batched puts and gets: concurrent callers share BatchWriteItem and BatchGetItem calls; each
learns its own outcome."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from service_runtime.dynamo import BatchedGets, BatchedPuts

pytestmark = pytest.mark.unit


@dataclass
class FakeClient:
    """Records BatchWriteItem calls; can hold the first one, throttle once, or fail."""

    calls: list[list[dict[str, Any]]] = field(default_factory=list)
    hold_first: threading.Event | None = None
    unprocessed_once: bool = False
    failure: Exception | None = None

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        [(name, requests)] = RequestItems.items()
        self.calls.append([request["PutRequest"]["Item"] for request in requests])
        if self.hold_first is not None and len(self.calls) == 1:
            assert self.hold_first.wait(timeout=5)
        if self.failure is not None:
            raise self.failure
        if self.unprocessed_once:
            self.unprocessed_once = False
            return {"UnprocessedItems": {name: requests[1:]}}
        return {"UnprocessedItems": {}}

    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads: list[list[str]] = field(default_factory=list)
    unread_once: bool = False

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        [(name, request)] = RequestItems.items()
        assert request["ConsistentRead"] is True
        keys = [key["part_key"] for key in request["Keys"]]
        assert len(keys) == len(set(keys)) <= 100  # as DynamoDB requires
        self.reads.append(keys)
        unread = request["Keys"][1:] if self.unread_once else []
        self.unread_once = False
        found = [self.stored[k] for k in keys[: len(keys) - len(unread)] if k in self.stored]
        if self.hold_first is not None and len(self.reads) == 1:  # read, not yet answered
            assert self.hold_first.wait(timeout=5)
        if self.failure is not None:
            raise self.failure
        return {"Responses": {name: found}, "UnprocessedKeys": {name: {"Keys": unread}}}


@dataclass
class FakeTable:
    client: FakeClient
    name: str = "ledger"

    @property
    def meta(self) -> Any:
        return type("Meta", (), {"client": self.client})()


def item(key: str, value: str = "v") -> dict[str, str]:
    return {"part_key": key, "value": value}


async def test_puts_made_while_a_write_is_under_way_share_the_next_call() -> None:
    client = FakeClient(hold_first=threading.Event())
    puts = BatchedPuts(FakeTable(client), key=("part_key",))
    first = asyncio.create_task(puts.put([item("a")]))
    while not client.calls:  # the first call is under way, and held
        await asyncio.sleep(0.01)
    later = [asyncio.create_task(puts.put([item(f"k{n}")])) for n in range(30)]
    await asyncio.sleep(0.05)
    client.hold_first.set()  # type: ignore[union-attr]
    await asyncio.gather(first, *later)
    assert [len(call) for call in client.calls] == [1, 25, 5]
    assert {i["part_key"] for call in client.calls for i in call} == {"a"} | {
        f"k{n}" for n in range(30)
    }


async def test_unprocessed_items_are_written_again() -> None:
    client = FakeClient(unprocessed_once=True)
    await BatchedPuts(FakeTable(client), key=("part_key",)).put([item("a"), item("b")])
    assert [[i["part_key"] for i in call] for call in client.calls] == [["a", "b"], ["b"]]


async def test_a_key_put_twice_in_one_call_is_written_once_the_last() -> None:
    client = FakeClient()
    await BatchedPuts(FakeTable(client), key=("part_key",)).put([item("a", "1"), item("a", "2")])
    assert client.calls == [[item("a", "2")]]


async def test_a_failed_call_fails_its_callers_and_the_next_call_still_runs() -> None:
    client = FakeClient(failure=RuntimeError("throttled"))
    puts = BatchedPuts(FakeTable(client), key=("part_key",))
    with pytest.raises(RuntimeError, match="throttled"):
        await puts.put([item("a")])
    client.failure = None
    await puts.put([item("b")])
    assert client.calls[-1] == [item("b")]


async def test_gets_asked_while_a_read_is_under_way_share_the_next_call() -> None:
    client = FakeClient(hold_first=threading.Event(), stored={"k1": item("k1", "one")})
    gets = BatchedGets(FakeTable(client), key=("part_key",))
    first = asyncio.create_task(gets.get({"part_key": "a"}))
    while not client.reads:  # the first call is under way, and held
        await asyncio.sleep(0.01)
    client.stored["a"] = item("a", "written after the first read was sent")
    keys = [f"k{n % 60}" for n in range(130)]  # 60 keys, each asked two or three times
    later = [asyncio.create_task(gets.get({"part_key": key})) for key in [*keys, "a"]]
    await asyncio.sleep(0.05)
    client.hold_first.set()  # type: ignore[union-attr]
    assert await first is None  # read before the write
    answers = await asyncio.gather(*later)
    # 100 callers a call at most, each key once in it: k0-k59 for the first 100, then 31 keys
    assert [len(call) for call in client.reads] == [1, 60, 31]
    assert [n for n, answer in enumerate(answers) if answer == item("k1", "one")] == [1, 61, 121]
    assert answers[:-1].count(None) == 127  # only k1 is stored among the k keys
    assert answers[-1] == item("a", "written after the first read was sent")  # asked after it


async def test_unprocessed_keys_are_read_again() -> None:
    client = FakeClient(unread_once=True, stored={"a": item("a"), "b": item("b")})
    gets = BatchedGets(FakeTable(client), key=("part_key",))
    answers = await asyncio.gather(gets.get({"part_key": "a"}), gets.get({"part_key": "b"}))
    assert answers == [item("a"), item("b")]
    assert client.reads == [["a", "b"], ["b"]]  # b, left unprocessed, is read again


async def test_a_failed_read_fails_its_callers_and_the_next_read_still_runs() -> None:
    client = FakeClient(failure=RuntimeError("throttled"), stored={"b": item("b")})
    gets = BatchedGets(FakeTable(client), key=("part_key",))
    with pytest.raises(RuntimeError, match="throttled"):
        await gets.get({"part_key": "a"})
    client.failure = None
    assert await gets.get({"part_key": "b"}) == item("b")
