"""Event contracts of the feedback flow: models, topics and the Kafka binding."""

from feedback_contracts import topics
from feedback_contracts.conversation_events import (
    DeliveryStatus,
    DeliveryStatusV2,
    FeedbackRequested,
    InboundMessage,
    MediaItem,
    ReplyRequested,
    ReplyRequestedV2,
    TemplateRequested,
    answered_message,
    reply_id_for,
)
from feedback_contracts.envelope import Envelope, Event
from feedback_contracts.erasure_events import (
    ERASURE_STEPS,
    ErasureRequested,
    ErasureStepDone,
)
from feedback_contracts.events import (
    EVENT_TYPES,
)
from feedback_contracts.feedback_events import (
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackCompletedV3,
    FeedbackTagged,
    FeedbackTaggedV2,
    FeedbackTaggedV3,
    FeedbackTaggedV4,
    LlmUsage,
    MediaReference,
    MediaStored,
    TagRequested,
    TopicProposal,
)
from feedback_contracts.kafka import ContractError, KafkaRecord, from_kafka, to_kafka
from feedback_contracts.reply_events import (
    ReplyFailed,
    ReplyFailedV2,
    ReplySent,
    ReplySentV2,
    ReplyText,
)
from feedback_contracts.voice_events import TranscriptionRequested, VoiceNoteHeard

__all__ = [
    "ERASURE_STEPS",
    "EVENT_TYPES",
    "ContractError",
    "DeliveryStatus",
    "DeliveryStatusV2",
    "Envelope",
    "ErasureRequested",
    "ErasureStepDone",
    "Event",
    "FeedbackCompleted",
    "FeedbackCompletedV2",
    "FeedbackCompletedV3",
    "FeedbackRequested",
    "FeedbackTagged",
    "FeedbackTaggedV2",
    "FeedbackTaggedV3",
    "FeedbackTaggedV4",
    "InboundMessage",
    "KafkaRecord",
    "LlmUsage",
    "MediaItem",
    "MediaReference",
    "MediaStored",
    "ReplyFailed",
    "ReplyFailedV2",
    "ReplyRequested",
    "ReplyRequestedV2",
    "ReplySent",
    "ReplySentV2",
    "ReplyText",
    "TagRequested",
    "TemplateRequested",
    "TopicProposal",
    "TranscriptionRequested",
    "VoiceNoteHeard",
    "answered_message",
    "from_kafka",
    "reply_id_for",
    "to_kafka",
    "topics",
]
