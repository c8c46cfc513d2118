"""The SQL store's re-tag jobs, worked by the one replica holding the advisory lock."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from persistence import backfill
from persistence.adapters import sql_jobs

BACKFILL_LOCK = 7_301_042  # the advisory lock of the replica that works the backfill


class _SqlBackfill:
    """The SQL store's re-tag jobs, worked by the one replica holding the advisory lock."""

    _sessions: sessionmaker[Session]  # FeedbackStore's
    _lease: sa.Connection | None

    def hold_backfill_lease(self) -> bool:
        """Whether this process works the backfill: it holds (or now takes) a session-level
        advisory lock on a connection of its own, released when the process or the connection
        dies, so another replica takes over. SQLite has one process."""
        engine: sa.Engine = self._sessions.kw["bind"]
        if engine.dialect.name != "postgresql":
            return True
        if self._lease is not None:
            try:
                self._lease.execute(sa.select(1))
                return True
            except sa.exc.DBAPIError:
                self.release_backfill_lease()
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if connection.scalar(sa.select(sa.func.pg_try_advisory_lock(BACKFILL_LOCK))):
            self._lease = connection
            return True
        connection.close()
        return False

    def release_backfill_lease(self) -> None:
        """Let another replica take the backfill."""
        if self._lease is not None:
            self._lease.invalidate()  # closing the session releases the lock
            self._lease = None

    def next_batch(self, limit: int) -> backfill.Batch | None:
        """The newest open re-tag job's next rows."""
        with self._sessions() as db:
            return sql_jobs.next_batch(db, limit)

    def advance_job(self, job_id: int, last_processed_id: int) -> None:
        """The rows up to `last_processed_id` were requested."""
        with self._sessions.begin() as db:
            sql_jobs.advance(db, job_id, last_processed_id)

    def finish_job(self, job_id: int) -> None:
        """Every row of the job was requested."""
        with self._sessions.begin() as db:
            sql_jobs.finish(db, job_id)
