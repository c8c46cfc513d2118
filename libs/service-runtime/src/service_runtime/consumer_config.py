"""How one consumer group reads: the loop's bounds, timeouts and retry policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from service_runtime.retry import RetryPolicy
from service_runtime.settings import ServiceSettings


@dataclass(frozen=True)
class ConsumerConfig:
    """How one consumer group reads.

    Offsets are committed at most every `commit_interval_s` (and on revocation and stop): a
    crash redelivers at most that interval's handled records plus those in flight, which every
    handler absorbs (they are idempotent on their natural keys)."""

    bootstrap_servers: str
    group_id: str
    client_id: str
    commit_interval_s: float = 1.0
    max_in_flight: int = 256
    max_buffered_per_partition: int = 1000
    max_poll_interval_s: float = 300.0
    revoke_timeout_s: float = 10.0
    shutdown_timeout_s: float = 15.0
    poll_timeout_s: float = 0.2
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def stall_after_s(self) -> float:
        """Liveness fails after this long without a poll, or with one attempt at a record running
        this long: above any handler's worst case, which the services keep inside the poll
        interval. A record waiting out an outage between attempts is not stuck."""
        return self.max_poll_interval_s

    @classmethod
    def of_service(cls, settings: ServiceSettings) -> ConsumerConfig:
        """One consumer group per service, named after it."""
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.service_name,
            client_id=settings.service_name,
            commit_interval_s=settings.kafka_commit_interval_s,
            max_in_flight=settings.kafka_max_in_flight,
            max_buffered_per_partition=settings.kafka_max_buffered_per_partition,
            max_poll_interval_s=settings.max_poll_interval_s,
            retry=RetryPolicy(max_outage_wait_s=settings.max_outage_wait_s),
        )
