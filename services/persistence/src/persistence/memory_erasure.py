"""The fake's erasures."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from feedback_contracts.customers import subject_hash
from persistence import erasure
from persistence.memory_state import MemoryState


class _MemoryErasure(MemoryState):
    """The fake's erasures."""

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
        replies = [key for key, r in self.replies.items() if r.recipient == sender_id]
        counts = {
            "feedback_tags": len(sessions & self.tags.keys()),
            "proposal_mentions": sum(len(s & sessions) for s in self.mentions.values()),
            "stored_media": len(media),
            "deliveries": len(statuses),
            "replies": len(replies),
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
        for key in replies:
            del self.replies[key]
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
