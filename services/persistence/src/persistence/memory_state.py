"""What the feedback records' fake holds; its parts (`memory_*.py`) share it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from feedback_contracts import MediaStored
from persistence import erasure
from persistence.deliveries import Delivery, Reply
from persistence.models import Feedback, FeedbackTags, Job, Topic
from persistence.taxonomy import ProposalView


@dataclass
class MemoryState:
    """Rows, media, statuses, tags, the taxonomy, jobs, proposals and erasures, in dicts."""

    rows: dict[str, Feedback] = field(default_factory=dict)  # by session id
    media: dict[str, MediaStored] = field(default_factory=dict)  # by media sid
    statuses: dict[str, Delivery] = field(default_factory=dict)  # by message key
    tags: dict[str, FeedbackTags] = field(default_factory=dict)  # by session id
    topics: list[Topic] = field(default_factory=list)
    version: int = 0
    jobs: list[tuple[Job, int]] = field(default_factory=list)  # with their taxonomy version
    proposed: dict[str, ProposalView] = field(default_factory=dict)  # by lower-case label
    mentions: dict[str, set[str]] = field(default_factory=dict)  # label -> session ids
    erasures: dict[str, erasure.ErasureView] = field(default_factory=dict)
    replies: dict[str, Reply] = field(default_factory=dict)  # asked for, by reply id
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
