"""The fake's taxonomy, proposals and re-tag jobs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from persistence.backfill import Batch
from persistence.memory_state import MemoryState
from persistence.models import Job, JobStatus, Topic
from persistence.records import Taxonomy
from persistence.taxonomy import ProposalView, TopicExists


class _MemoryTaxonomy(MemoryState):
    """The fake's taxonomy, proposals and re-tag jobs."""

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
