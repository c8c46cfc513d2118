"""A fake of the Destinations port: records each attempt and answers what a test scripts,
per destination; a destination can be held (a receiver that hangs) until released."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque

from alerts.attempts import Answer
from alerts.deliveries import Claimed


class RecordingDestinations:
    """Answers 200 unless scripted otherwise; `held` destinations wait for `release`."""

    def __init__(self) -> None:
        self.sent: list[Claimed] = []
        self.scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self._gates: dict[str, asyncio.Event] = {}

    def script(self, destination_id: str, *answers: Answer) -> None:
        self.scripts[destination_id].extend(answers)

    def hold(self, destination_id: str) -> None:
        self._gates[destination_id] = asyncio.Event()

    def release(self, destination_id: str) -> None:
        self._gates.pop(destination_id).set()

    async def send(self, delivery: Claimed) -> Answer:
        gate = self._gates.get(delivery.destination_id)
        if gate is not None:
            await gate.wait()
        self.sent.append(delivery)
        queue = self.scripts[delivery.destination_id]
        return queue.popleft() if queue else Answer(status=200)
