"""The registry of every event type: the models live by the part of the flow they belong to
(`conversation_events`, `feedback_events`, `erasure_events`, `voice_events`)."""

from __future__ import annotations

from feedback_contracts.conversation_events import (
    DeliveryStatus,
    DeliveryStatusV2,
    FeedbackRequested,
    InboundMessage,
    ReplyRequested,
    ReplyRequestedV2,
    TemplateRequested,
)
from feedback_contracts.envelope import Event
from feedback_contracts.erasure_events import (
    ErasureRequested,
    ErasureStepDone,
)
from feedback_contracts.feedback_events import (
    FeedbackCompleted,
    FeedbackCompletedV2,
    FeedbackCompletedV3,
    FeedbackTagged,
    FeedbackTaggedV2,
    FeedbackTaggedV3,
    FeedbackTaggedV4,
    MediaStored,
    TagRequested,
)
from feedback_contracts.reply_events import ReplyFailed, ReplyFailedV2, ReplySent, ReplySentV2
from feedback_contracts.voice_events import TranscriptionRequested, VoiceNoteHeard

EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type(): cls
    for cls in (
        InboundMessage,
        DeliveryStatus,
        DeliveryStatusV2,
        ReplyRequested,
        ReplyRequestedV2,
        FeedbackRequested,
        TemplateRequested,
        ReplySent,
        ReplySentV2,
        ReplyFailed,
        ReplyFailedV2,
        FeedbackCompleted,
        FeedbackCompletedV2,
        FeedbackCompletedV3,
        MediaStored,
        FeedbackTagged,
        FeedbackTaggedV2,
        FeedbackTaggedV3,
        FeedbackTaggedV4,
        TagRequested,
        ErasureRequested,
        ErasureStepDone,
        TranscriptionRequested,
        VoiceNoteHeard,
    )
}
