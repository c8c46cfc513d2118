"""Kafka topic names; each event model names the one it goes to."""

INBOUND_MESSAGES = "whatsapp.inbound-messages"
DELIVERY_STATUS = "whatsapp.delivery-status"
REPLY_REQUESTS = "conversation.reply-requests"
REPLY_OUTCOMES = "messenger.reply-outcomes"
FEEDBACK_COMPLETED = "conversation.feedback-completed"
MEDIA_STORED = "media.media-stored"
FEEDBACK_TAGGED = "insights.feedback-tagged"
TAG_REQUESTS = "insights.tag-requests"
FEEDBACK_REQUESTS = "conversation.feedback-requests"
ERASURE_REQUESTS = "customer.erasure-requests"
ERASURE_PROGRESS = "customer.erasure-progress"
TRANSCRIPTION_REQUESTS = "conversation.transcription-requests"
VOICE_NOTES = "media.voice-notes"

ALL = (
    INBOUND_MESSAGES,
    DELIVERY_STATUS,
    REPLY_REQUESTS,
    REPLY_OUTCOMES,
    FEEDBACK_COMPLETED,
    MEDIA_STORED,
    FEEDBACK_TAGGED,
    TAG_REQUESTS,
    FEEDBACK_REQUESTS,
    ERASURE_REQUESTS,
    ERASURE_PROGRESS,
    TRANSCRIPTION_REQUESTS,
    VOICE_NOTES,
)


def dead_letter(topic: str) -> str:
    """The dead-letter topic for events of `topic` that cannot be processed."""
    return f"{topic}.dlq"
