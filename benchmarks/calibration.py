"""A unit of this machine's speed on the day, for comparing CPU figures across days.

The machine's speed changes from day to day by up to 2x, so a CPU time alone says little. The
pipeline benchmark times this fixed workload in the same run (the work one message costs a
service, without the network: an event built, bound to Kafka's record and read back, hashed,
and a JSON document written and read) and divides the services' CPU per message by it: the
quotient is comparable from one day to another where milliseconds are not.
"""

from __future__ import annotations

import hashlib
import json
import time

from feedback_contracts import Envelope, InboundMessage, from_kafka, to_kafka

ROUNDS = 3
MESSAGES = 2000


def calibration_ms() -> float:
    """CPU milliseconds of the workload for MESSAGES messages, best of ROUNDS, per message."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for n in range(MESSAGES):
            _one(n)
        best = min(best, time.process_time() - start)
    return best * 1000 / MESSAGES


def _one(n: int) -> None:
    sid = f"SM{n:032x}"
    event = InboundMessage(message_sid=sid, sender_id=f"whatsapp:+1555{n:07d}", body="It leaks")
    record = to_kafka(Envelope.wrap(event, source="calibration", correlation_id=sid))
    back = from_kafka(record.value, list(record.headers))
    hashlib.sha256(record.value or b"").hexdigest()
    json.loads(json.dumps({"id": back.id, "data": back.data.model_dump(mode="json")}))


if __name__ == "__main__":
    print(json.dumps({"calibration_ms_per_message": round(calibration_ms(), 4)}))
