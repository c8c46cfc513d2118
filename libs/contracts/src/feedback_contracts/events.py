"""Every event of the feedback flow, one pydantic model each, by the part of the flow it
belongs to (`conversation_events`, `feedback_events`, `erasure_events`), and the registry of
their types."""

from __future__ import annotations

from feedback_contracts.conversation_events import (
    DeliveryStatus,
    FeedbackRequested,
    InboundMessage,
    MediaItem,
    ReplyFailed,
    ReplyRequested,
    ReplyRequestedV2,
    ReplySent,
    TemplateRequested,
    reply_id_for,
)
from feedback_contracts.envelope import Event
from feedback_contracts.erasure_events import (
    ERASURE_STEPS,
    ErasureRequested,
    ErasureStep,
    ErasureStepDone,
)
from feedback_contracts.feedback_events import (
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackTagged,
    FeedbackTaggedV2,
    LlmUsage,
    MediaReference,
    MediaStored,
    TagRequested,
    TopicProposal,
)

__all__ = [
    "ERASURE_STEPS",
    "EVENT_TYPES",
    "DeliveryStatus",
    "ErasureRequested",
    "ErasureStep",
    "ErasureStepDone",
    "FeedbackCompleted",
    "FeedbackCompletedV2",
    "FeedbackRequested",
    "FeedbackTagged",
    "FeedbackTaggedV2",
    "InboundMessage",
    "LlmUsage",
    "MediaItem",
    "MediaReference",
    "MediaStored",
    "ReplyFailed",
    "ReplyRequested",
    "ReplyRequestedV2",
    "ReplySent",
    "TagRequested",
    "TemplateRequested",
    "TopicProposal",
    "reply_id_for",
]

EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type(): cls
    for cls in (
        InboundMessage,
        DeliveryStatus,
        ReplyRequested,
        ReplyRequestedV2,
        FeedbackRequested,
        TemplateRequested,
        ReplySent,
        ReplyFailed,
        FeedbackCompleted,
        FeedbackCompletedV2,
        MediaStored,
        FeedbackTagged,
        FeedbackTaggedV2,
        TagRequested,
        ErasureRequested,
        ErasureStepDone,
    )
}
