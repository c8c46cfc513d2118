"""The alerts' state in SQL: PostgreSQL in production, SQLite under `make dev`. Replicas
share the due deliveries through row locks (`FOR UPDATE SKIP LOCKED`) and a lease."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from alerts.deliveries import (
    Attempted,
    Claimed,
    DestinationChange,
    NewDestination,
    State,
    ToDeliver,
    delivery_id,
    signing_secret,
)
from alerts.models import Delivery, Destination


class SqlAlertStore:
    """The AlertStore port over SQLAlchemy sessions."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add_destination(self, new: NewDestination, *, now: datetime) -> Destination:
        destination = Destination(
            id=f"dst_{secrets.token_hex(12)}",
            name=new.name,
            kind=new.kind,
            url=new.url,
            signing_secret=signing_secret() if new.kind == "webhook" else None,
            rule=new.rule.model_dump(),
            enabled=new.enabled,
            created_at=now,
        )
        with self._sessions.begin() as session:
            session.add(destination)
        return destination

    def destinations(self) -> list[Destination]:
        with self._sessions() as session:
            return list(session.scalars(sa.select(Destination).order_by(Destination.created_at)))

    def destination(self, destination_id: str) -> Destination | None:
        with self._sessions() as session:
            return session.get(Destination, destination_id)

    def change_destination(
        self, destination_id: str, change: DestinationChange
    ) -> Destination | None:
        with self._sessions.begin() as session:
            destination = session.get(Destination, destination_id)
            if destination is None:
                return None
            if change.name is not None:
                destination.name = change.name
            if change.rule is not None:
                destination.rule = change.rule.model_dump()
            if change.enabled is not None:
                destination.enabled = change.enabled
            return destination

    def remove_destination(self, destination_id: str) -> bool:
        with self._sessions.begin() as session:
            # Its deliveries first: SQLite enforces no foreign key unless told to.
            session.execute(sa.delete(Delivery).where(Delivery.destination_id == destination_id))
            removed = session.execute(
                sa.delete(Destination).where(Destination.id == destination_id)
            )
            return bool(removed.rowcount)  # type: ignore[attr-defined]

    def enqueue(self, deliveries: list[ToDeliver], *, now: datetime, window_s: float) -> int:
        if not deliveries:
            return 0
        rows = [
            {
                "id": delivery_id(d.feedback_id, d.destination_id),
                "destination_id": d.destination_id,
                "feedback_id": d.feedback_id,
                "customer": d.customer,
                "alert": d.alert,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "retry_until": now + timedelta(seconds=window_s),
                "created_at": now,
            }
            for d in deliveries
        ]
        with self._sessions.begin() as session:
            insert = (
                postgresql.insert(Delivery)
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert(Delivery)
            )
            result = session.execute(
                insert.values(rows).on_conflict_do_nothing(index_elements=["id"])
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def claim_due(
        self,
        *,
        now: datetime,
        limit: int,
        busy: Collection[str],
        per_destination: int,
        lease_s: float,
    ) -> list[Claimed]:
        query = (
            sa.select(Delivery, Destination)
            .join(Destination, Destination.id == Delivery.destination_id)
            .where(
                Delivery.state == "pending",
                Delivery.next_attempt_at <= now,
                Destination.enabled.is_(True),
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Delivery)
        )
        if busy:
            query = query.where(Delivery.destination_id.not_in(list(busy)))
        claimed: list[Claimed] = []
        taken: dict[str, int] = {}
        with self._sessions.begin() as session:
            for delivery, destination in session.execute(query).tuples():
                if taken.get(destination.id, 0) >= per_destination:
                    continue  # left due: the next poll takes it, once a slot is free
                taken[destination.id] = taken.get(destination.id, 0) + 1
                delivery.next_attempt_at = now + timedelta(seconds=lease_s)
                claimed.append(Claimed.of(delivery, destination))
        return claimed

    def record(self, delivery_id: str, attempted: Attempted, *, now: datetime) -> None:
        values: dict[str, object] = {
            "state": attempted.state,
            "attempts": Delivery.attempts + 1,
            "last_status": attempted.status,
            "last_error": attempted.error and attempted.error[:300],
        }
        if attempted.state == "delivered":
            values["delivered_at"] = now
        if attempted.next_at is not None:
            values["next_attempt_at"] = attempted.next_at
        with self._sessions.begin() as session:
            # Only a delivery still pending: one erased or redelivered meanwhile is left as is.
            session.execute(
                sa.update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.state == "pending")
                .values(values)
            )

    def deliveries(
        self, *, state: State | None, destination_id: str | None, limit: int
    ) -> list[Delivery]:
        query = sa.select(Delivery).order_by(Delivery.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(Delivery.state == state)
        if destination_id is not None:
            query = query.where(Delivery.destination_id == destination_id)
        with self._sessions() as session:
            return list(session.scalars(query))

    def redeliver(self, delivery_id: str, *, now: datetime, window_s: float) -> Delivery | None:
        with self._sessions.begin() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None:
                return None
            delivery.state = "pending"
            delivery.next_attempt_at = now
            delivery.retry_until = now + timedelta(seconds=window_s)
            delivery.delivered_at = None
            return delivery

    def erase(self, customer: str) -> int:
        with self._sessions.begin() as session:
            erased = session.execute(sa.delete(Delivery).where(Delivery.customer == customer))
            return int(erased.rowcount)  # type: ignore[attr-defined]

    def purge(self, *, before: datetime) -> int:
        with self._sessions.begin() as session:
            purged = session.execute(
                sa.delete(Delivery).where(
                    Delivery.created_at < before, Delivery.state.in_(("delivered", "failed"))
                )
            )
            return int(purged.rowcount)  # type: ignore[attr-defined]
