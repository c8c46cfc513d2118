"""Event contracts: Kafka binding round trip, unknown fields, schema drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field, create_model

from feedback_contracts import (
    ContractError,
    Envelope,
    FeedbackCompleted,
    InboundMessage,
    MediaItem,
    from_kafka,
    schemas,
    to_kafka,
    topics,
)
from feedback_contracts.events import EVENT_TYPES

pytestmark = pytest.mark.unit


def test_kafka_binding_round_trips_the_envelope() -> None:
    event = InboundMessage(
        message_sid="SM1",
        sender_id="whatsapp:+15550001111",
        body="hi",
        num_media=1,
        media=[
            MediaItem(
                media_sid="ME1", url="https://api.twilio.com/m/ME1", content_type="image/jpeg"
            )
        ],
        extra={"ChannelMetadata": "{}"},
    )
    envelope = Envelope.wrap(event, source="ingress", correlation_id="SM1")
    record = to_kafka(envelope)
    assert record.topic == topics.INBOUND_MESSAGES
    assert record.key == b"whatsapp:+15550001111"
    headers = dict(record.headers)
    assert headers["ce_type"] == b"feedback.inbound-message.v1"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_correlationid"] == b"SM1"
    assert from_kafka(record.value, record.headers) == envelope


def test_follow_keeps_correlation_and_sets_causation() -> None:
    first = Envelope.wrap(
        InboundMessage(message_sid="SM1", sender_id="whatsapp:+1555"),
        source="a",
        correlation_id="SM1",
    )
    completed = FeedbackCompleted(
        session_id="s",
        sender_id="whatsapp:+1555",
        product_name="p",
        feedback_text="f",
        completed_at=first.time,
    )
    second = first.follow(completed, source="b")
    assert (second.correlation_id, second.causation_id) == ("SM1", first.id)


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{}", [], "missing CloudEvents headers"),
        (
            b"{}",
            [
                ("ce_id", b"1"),
                ("ce_type", b"nope.v1"),
                ("ce_source", b"s"),
                ("ce_time", b"2026-01-01T00:00:00+00:00"),
                ("ce_subject", b"x"),
                ("ce_correlationid", b"c"),
            ],
            "unknown event type",
        ),
        (b"not json", None, "invalid feedback.inbound-message.v1 payload"),
    ],
)
def test_bad_records_raise_contract_error_with_reason(
    value: bytes, headers: list[tuple[str, bytes]] | None, reason: str
) -> None:
    if headers is None:
        envelope = Envelope.wrap(
            InboundMessage(message_sid="SM1", sender_id="w"), source="s", correlation_id="SM1"
        )
        headers = to_kafka(envelope).headers
    with pytest.raises(ContractError, match=reason):
        from_kafka(value, headers)


def test_committed_schemas_match_the_models() -> None:
    assert schemas.drift() == [], "run `make schemas` and commit libs/contracts/schemas"


def test_drift_check_catches_a_changed_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas.write(tmp_path)
    assert schemas.drift(tmp_path) == []
    changed = create_model(
        "InboundMessage", __base__=InboundMessage, channel=(str, Field(default="whatsapp"))
    )
    monkeypatch.setitem(EVENT_TYPES, InboundMessage.event_type(), changed)
    assert schemas.drift(tmp_path) == ["feedback.inbound-message.v1.json"]
