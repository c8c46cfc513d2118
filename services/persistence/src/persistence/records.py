"""The persistence port: what the handlers and the read API ask of the feedback records,
and an in-memory fake that keeps the same rules (tests/test_record_rules.py runs the rules
against it and against the SQL store on migrations)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from feedback_contracts import (
    DeliveryStatus,
    FeedbackCompleted,
    FeedbackTagged,
    FeedbackTaggedV2,
    MediaStored,
    ReplyFailed,
)
from feedback_contracts.customers import subject_hash
from persistence import deliveries, erasure
from persistence.backfill import BackfillStore, Batch
from persistence.deliveries import Delivery
from persistence.insights import Tagged
from persistence.models import Feedback, FeedbackTags, Job, JobStatus, Topic
from persistence.store import FeedbackQuery, Taxonomy, llm_usage
from persistence.taxonomy import ProposalView, TopicExists


class FeedbackRecords(BackfillStore, Protocol):
    """Idempotent writes on natural keys, whatever order events arrive in; and the reads."""

    def save_completed(self, event: FeedbackCompleted) -> None: ...

    def save_media(self, event: MediaStored) -> None: ...

    def save_reply_failed(self, event: ReplyFailed) -> None: ...

    def save_delivery_status(self, event: DeliveryStatus) -> None: ...

    def save_tags(self, event: FeedbackTagged) -> None: ...

    def taxonomy(self) -> Taxonomy: ...

    def proposals(self) -> list[ProposalView]: ...

    def settle_proposal(self, proposal_id: int, *, accept: bool) -> bool: ...

    def create_topic(self, *, label: str, description: str) -> Topic: ...

    def change_topic(
        self,
        topic_id: int,
        *,
        label: str | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> Topic | None: ...

    def deliveries(self, recipient: str, limit: int = 50) -> list[Delivery]: ...

    def start_erasure(self, sender_id: str) -> erasure.Started: ...

    def erase_records(self, erasure_id: str, sender_id: str) -> dict[str, int]: ...

    def record_erasure_step(self, erasure_id: str, step: str, counts: dict[str, int]) -> bool: ...

    def find_erasure(self, erasure_id: str) -> erasure.ErasureView | None: ...

    def get(self, feedback_id: int) -> Feedback | None: ...

    def find(self, query: FeedbackQuery) -> tuple[list[Feedback], int]: ...

    def tagged(self, query: FeedbackQuery) -> list[Tagged]: ...


@dataclass
class InMemoryFeedbackRecords:
    """Feedback rows, media and delivery statuses held in dicts."""

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
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def save_completed(self, event: FeedbackCompleted) -> None:
        """One row per session; media already stored for it fills `media_urls`."""
        if event.session_id not in self.rows:
            now = datetime.now(UTC)
            usage = {"llm_input_tokens": 0, "llm_output_tokens": 0, "llm_cost_usd": Decimal(0)}
            self.rows[event.session_id] = Feedback(
                id=next(self._ids),
                session_id=event.session_id,
                sender_id=event.sender_id,
                product_name=event.product_name,
                feedback_text=event.feedback_text,
                completed_at=event.completed_at,
                created_at=now,
                updated_at=now,
                **(usage | llm_usage(event)),
            )
        self._refresh_media_urls(event.session_id)
        self.rows[event.session_id].tags = self.tags.get(event.session_id)

    def save_media(self, event: MediaStored) -> None:
        """Remember the media; attach its URI when the feedback row exists (or later)."""
        self.media.setdefault(event.media_sid, event)
        self._refresh_media_urls(event.session_id)

    def save_reply_failed(self, event: ReplyFailed) -> None:
        """A reply the messenger did not send, and why: final."""
        key = f"reply:{event.reply_id}"
        self.statuses.setdefault(
            key,
            Delivery(
                message_key=key,
                reply_id=event.reply_id,
                recipient=event.recipient,
                status="failed",
                status_rank=deliveries.FINAL,
                error_code=event.error_code[:16],
                updated_at=datetime.now(UTC),
            ),
        )

    def save_delivery_status(self, event: DeliveryStatus) -> None:
        """Applied only when it moves the message forward; failed and undelivered are final."""
        new = deliveries.rank(event.message_status)
        current = self.statuses.get(event.message_sid)
        if current is not None and (
            current.status_rank >= new or current.status_rank >= deliveries.FINAL
        ):
            return
        code = event.error_code[:16] if event.error_code else None
        self.statuses[event.message_sid] = Delivery(
            message_key=event.message_sid,
            reply_id=current.reply_id if current else None,
            recipient=event.recipient,
            status=event.message_status[:16],
            status_rank=new,
            error_code=code or (current.error_code if current else None),
            updated_at=datetime.now(UTC),
        )

    def save_tags(self, event: FeedbackTagged) -> None:
        """A feedback's tags, unless those stored come from a newer taxonomy."""
        stored = self.tags.get(event.session_id)
        if stored is not None and stored.taxonomy_version > event.taxonomy_version:
            return
        self.tags[event.session_id] = FeedbackTags(
            session_id=event.session_id,
            topics=list(event.topics),
            sentiment=event.sentiment,
            summary=event.summary,
            tagger=event.tagger,
            taxonomy_version=event.taxonomy_version,
            tagged_at=datetime.now(UTC),
        )
        if event.session_id in self.rows:
            self.rows[event.session_id].tags = self.tags[event.session_id]
        if isinstance(event, FeedbackTaggedV2) and event.proposal is not None:
            proposal = event.proposal
            key = proposal.label.strip().lower()
            self.proposed.setdefault(
                key,
                ProposalView(
                    len(self.proposed) + 1, proposal.label, proposal.description, "open", 0
                ),
            )
            self.mentions.setdefault(key, set()).add(event.session_id)

    def proposals(self) -> list[ProposalView]:
        """The open topic proposals, most mentioned first."""
        views = [
            replace(p, mentions=len(self.mentions[key]))
            for key, p in self.proposed.items()
            if p.status == "open"
        ]
        return sorted(views, key=lambda p: (-p.mentions, p.id))

    def settle_proposal(self, proposal_id: int, *, accept: bool) -> bool:
        """Accept (a new topic) or dismiss an open proposal."""
        found = [(k, p) for k, p in self.proposed.items() if p.id == proposal_id]
        if not found or found[0][1].status != "open":
            return False
        key, proposal = found[0]
        if accept:
            self.create_topic(label=proposal.label, description=proposal.description)
        self.proposed[key] = replace(proposal, status="accepted" if accept else "dismissed")
        return True

    def taxonomy(self) -> Taxonomy:
        """Every topic and the taxonomy's version."""
        return Taxonomy(self.version, list(self.topics))

    def create_topic(self, *, label: str, description: str) -> Topic:
        """A new active topic; `TopicExists` when the label is taken."""
        self._refuse_taken(label, None)
        now = datetime.now(UTC)
        topic = Topic(
            id=len(self.topics) + 1,
            label=label,
            description=description,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        self.topics.append(topic)
        self._changed(1)
        return topic

    def change_topic(
        self,
        topic_id: int,
        *,
        label: str | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> Topic | None:
        """Rename, describe, (de)activate a topic; None when there is none with that id."""
        topic = next((t for t in self.topics if t.id == topic_id), None)
        if topic is None:
            return None
        if label is not None:
            self._refuse_taken(label, topic_id)
        changes = 0
        for name, value in (("label", label), ("description", description), ("is_active", active)):
            if value is not None and getattr(topic, name) != value:
                setattr(topic, name, value)
                changes += 1
        self._changed(changes)
        return topic

    def _changed(self, changes: int) -> None:
        """A new taxonomy version per change, and a re-tag job superseding the running one."""
        if not changes:
            return
        self.version += changes
        for job, _ in self.jobs:
            if job.status == JobStatus.processing:
                job.status = JobStatus.failed
        job = Job(id=len(self.jobs) + 1, job_name="retag", last_processed_id=0)
        job.status = JobStatus.processing
        self.jobs.append((job, self.version))

    def hold_backfill_lease(self) -> bool:
        """One process: always."""
        return True

    def next_batch(self, limit: int) -> Batch | None:
        """The newest open job's next rows."""
        open_jobs = [(j, v) for j, v in self.jobs if j.status == JobStatus.processing]
        if not open_jobs:
            return None
        job, version = open_jobs[-1]
        after = job.last_processed_id or 0
        rows = sorted((r for r in self.rows.values() if r.id > after), key=lambda r: r.id)
        return Batch(job.id, version, rows[:limit])

    def advance_job(self, job_id: int, last_processed_id: int) -> None:
        """The rows up to `last_processed_id` were requested."""
        self.jobs[job_id - 1][0].last_processed_id = last_processed_id

    def finish_job(self, job_id: int) -> None:
        """Every row of the job was requested."""
        self.jobs[job_id - 1][0].status = JobStatus.completed

    def _refuse_taken(self, label: str, topic_id: int | None) -> None:
        if any(t.label.lower() == label.lower() and t.id != topic_id for t in self.topics):
            raise TopicExists(label)

    def deliveries(self, recipient: str, limit: int = 50) -> list[Delivery]:
        """A customer's newest outbound messages and their statuses."""
        mine = [d for d in self.statuses.values() if d.recipient == recipient]
        return sorted(mine, key=lambda d: d.updated_at, reverse=True)[:limit]

    def start_erasure(self, sender_id: str) -> erasure.Started:
        """The customer's running erasure, or a new one, and the S3 objects known to be theirs."""
        pseudonym = subject_hash(sender_id)
        running = [
            e
            for e in self.erasures.values()
            if e.subject_hash == pseudonym and e.status == erasure.RUNNING
        ]
        found = running[0] if running else None
        if found is None:
            found = erasure.ErasureView(
                str(uuid.uuid4()), pseudonym, erasure.RUNNING, datetime.now(UTC), None
            )
            self.erasures[found.id] = found
        sessions = {r.session_id for r in self.rows.values() if r.sender_id == sender_id}
        uris = {
            m.s3_uri
            for m in self.media.values()
            if m.s3_uri and (m.sender_id == sender_id or m.session_id in sessions)
        }
        return erasure.Started(found, sorted(uris))

    def erase_records(self, erasure_id: str, sender_id: str) -> dict[str, int]:
        """Delete the customer's rows and record the step."""
        sessions = {r.session_id for r in self.rows.values() if r.sender_id == sender_id}
        media = [
            sid
            for sid, m in self.media.items()
            if m.sender_id == sender_id or m.session_id in sessions
        ]
        statuses = [key for key, d in self.statuses.items() if d.recipient == sender_id]
        counts = {
            "feedback_tags": len(sessions & self.tags.keys()),
            "proposal_mentions": sum(len(s & sessions) for s in self.mentions.values()),
            "stored_media": len(media),
            "deliveries": len(statuses),
            "feedback": len(sessions),
        }
        for session_id in sessions:
            self.rows.pop(session_id, None)
            self.tags.pop(session_id, None)
        for mentioned in self.mentions.values():
            mentioned -= sessions
        for sid in media:
            del self.media[sid]
        for key in statuses:
            del self.statuses[key]
        self.record_erasure_step(erasure_id, "records", counts)
        return counts

    def record_erasure_step(self, erasure_id: str, step: str, counts: dict[str, int]) -> bool:
        """A step's report; the erasure completes with the last one."""
        current = self.erasures.get(erasure_id)
        if current is None:
            return False
        steps = erasure.merged(current.steps, step, counts)
        done = current.status == erasure.RUNNING and erasure.complete(steps)
        self.erasures[erasure_id] = replace(
            current,
            steps=steps,
            status=erasure.COMPLETED if done else current.status,
            completed_at=datetime.now(UTC) if done else current.completed_at,
        )
        return True

    def find_erasure(self, erasure_id: str) -> erasure.ErasureView | None:
        """One erasure's audit record."""
        return self.erasures.get(erasure_id)

    def get(self, feedback_id: int) -> Feedback | None:
        """One row by id."""
        return next((row for row in self.rows.values() if row.id == feedback_id), None)

    def find(self, query: FeedbackQuery) -> tuple[list[Feedback], int]:
        """A page of rows, newest first, and how many match in all."""
        matching = [
            row
            for row in self.rows.values()
            if (not query.sender_id or row.sender_id == query.sender_id)
            and (not query.product_name or query.product_name.lower() in row.product_name.lower())
            and (not query.since or row.created_at >= query.since)
            and (not query.until or row.created_at < query.until)
            and (not query.sentiment or (row.tags and row.tags.sentiment == query.sentiment))
            and (not query.topic or (row.tags and query.topic in row.tags.topics))
        ]
        matching.sort(key=lambda row: (row.created_at, row.id), reverse=True)
        return matching[query.offset : query.offset + query.limit], len(matching)

    def tagged(self, query: FeedbackQuery) -> list[Tagged]:
        """Product, tags and time of every tagged row the query matches (paging aside)."""
        rows, _ = self.find(replace(query, limit=len(self.rows), offset=0))
        return [
            Tagged(row.product_name, row.tags.topics, row.tags.sentiment, row.created_at)
            for row in rows
            if row.tags is not None
        ]

    def _refresh_media_urls(self, session_id: str) -> None:
        row = self.rows.get(session_id)
        if row is not None:
            row.media_urls = sorted(
                m.s3_uri
                for m in self.media.values()
                if m.session_id == session_id and m.status == "stored" and m.s3_uri
            )
