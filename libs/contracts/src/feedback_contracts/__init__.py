"""Event contracts of the feedback flow: models, topics and the Kafka binding."""

from feedback_contracts import topics
from feedback_contracts.envelope import Envelope, Event
from feedback_contracts.events import (
    EVENT_TYPES,
    DeliveryStatus,
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackTagged,
    FeedbackTaggedV2,
    InboundMessage,
    LlmUsage,
    MediaItem,
    MediaReference,
    MediaStored,
    ReplyFailed,
    ReplyRequested,
    ReplyRequestedV2,
    ReplySent,
    TagRequested,
    TopicProposal,
)
from feedback_contracts.kafka import ContractError, KafkaRecord, from_kafka, to_kafka

__all__ = [
    "EVENT_TYPES",
    "ContractError",
    "DeliveryStatus",
    "Envelope",
    "Event",
    "FeedbackCompleted",
    "FeedbackCompletedV2",
    "FeedbackTagged",
    "FeedbackTaggedV2",
    "InboundMessage",
    "KafkaRecord",
    "LlmUsage",
    "MediaItem",
    "MediaReference",
    "MediaStored",
    "ReplyFailed",
    "ReplyRequested",
    "ReplyRequestedV2",
    "ReplySent",
    "TagRequested",
    "TopicProposal",
    "from_kafka",
    "to_kafka",
    "topics",
]
