"""CloudEvents' Kafka binding (binary mode): attributes in `ce_` headers, data in the value."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from feedback_contracts.envelope import Envelope
from feedback_contracts.events import EVENT_TYPES

Headers = list[tuple[str, bytes]]

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
_REQUIRED = ("ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "ce_correlationid")


class ContractError(ValueError):
    """A Kafka record that is not a valid event of any known type and version."""


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on the wire for one event."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers


def to_kafka(envelope: Envelope) -> KafkaRecord:
    """Bind an envelope to a Kafka record keyed by the customer's WhatsApp id."""
    attributes = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": envelope.id,
        "ce_type": envelope.type,
        "ce_source": envelope.source,
        "ce_time": envelope.time.isoformat(),
        "ce_subject": envelope.subject,
        "ce_correlationid": envelope.correlation_id,
        "content-type": CONTENT_TYPE,
    }
    if envelope.causation_id:
        attributes["ce_causationid"] = envelope.causation_id
    return KafkaRecord(
        topic=type(envelope.data).TOPIC,
        key=envelope.subject.encode(),
        value=envelope.data.model_dump_json().encode(),
        headers=[(name, value.encode()) for name, value in attributes.items()],
    )


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, item['loc'])) or 'payload'}: {item['type']}" for item in error.errors()
    )


def from_kafka(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> Envelope:
    """Read an envelope back from a record, or raise `ContractError` saying why not."""
    attributes = {name: raw.decode("utf-8", "replace") for name, raw in headers}
    missing = [name for name in _REQUIRED if not attributes.get(name)]
    if missing:
        raise ContractError(f"missing CloudEvents headers: {', '.join(missing)}")
    event_type = attributes["ce_type"]
    model = EVENT_TYPES.get(event_type)
    if model is None:
        raise ContractError(f"unknown event type {event_type!r}")
    try:
        data = model.model_validate(json.loads(value or b""))
        time = datetime.fromisoformat(attributes["ce_time"])
    except ValidationError as error:  # the fields and what is wrong, never their values
        raise ContractError(f"invalid {event_type} payload: {_problems(error)}") from error
    except ValueError as error:
        raise ContractError(f"invalid {event_type} payload: {type(error).__name__}") from error
    return Envelope(
        id=attributes["ce_id"],
        type=event_type,
        source=attributes["ce_source"],
        time=time,
        subject=attributes["ce_subject"],
        correlation_id=attributes["ce_correlationid"],
        causation_id=attributes.get("ce_causationid"),
        data=data,
    )
