"""The capacity model behind docs/capacity.md: what an inbound rate needs of each service, of
Kafka and of the external services, and what an hour of it costs.

Fed with what this machine measured (`make bench-pipeline` at saturation: CPU per message per
service; `make bench-tokens`: LLM calls and prompt tokens per message) and with the external
limits and list prices below, each with where it comes from. The LLM's concurrency is
simulated: Poisson arrivals, lognormal latencies, the 99.9th percentile of calls in flight.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field

# The product's services and what one inbound message costs each, in CPU ms (saturated run).
CONSUMERS = {  # the topic each service consumes most, for its partitions
    "analyzer": "whatsapp.inbound-messages",
    "messenger": "conversation.reply-requests",
    "persistence": "conversation.feedback-completed",
}


@dataclass(frozen=True)
class Measured:
    """Per inbound message, from this machine's runs (docs/capacity.md names them)."""

    cpu_ms: dict[str, float]  # each product service's CPU
    broker_cpu_ms: float  # the Kafka broker's CPU (one broker, no replication)
    kafka_records: float  # records produced
    llm_calls: float  # calls to the model (control turns need none)
    prompt_tokens: float  # per call
    output_tokens: float  # per call, reasoning included: an assumption (see the doc)
    dynamodb_writes: float  # write request units
    dynamodb_reads: float  # read request units


@dataclass(frozen=True)
class Limits:
    """External limits, per unit named. Sources in docs/capacity.md."""

    number_mps: float = 1000.0  # WhatsApp messages a second per business number, in and out
    twilio_concurrency: int = 100  # concurrent API requests per Twilio account
    twilio_latency_s: float = 0.25  # a Messages create call, as seen from the messenger
    openai_rpm: dict[str, int] = field(
        default_factory=lambda: {"1": 500, "2": 5_000, "3": 5_000, "4": 10_000, "5": 30_000}
    )
    openai_tpm: dict[str, int] = field(
        default_factory=lambda: {
            "1": 200_000,
            "2": 2_000_000,
            "3": 4_000_000,
            "4": 10_000_000,
            "5": 180_000_000,
        }
    )
    dynamodb_table_wru: int = 40_000  # on-demand, per table, a second (adjustable quota)
    partition_records_s: int = 5_000  # records a second one partition's consumer is sized for


@dataclass(frozen=True)
class Prices:
    """List prices in USD (docs/capacity.md gives the date and the source)."""

    vcpu_hour: float = 0.04048  # a pod's vCPU (Fargate, us-east-1)
    gib_hour: float = 0.004445  # a pod's GiB of memory
    pod_gib: float = 0.5
    twilio_message: float = 0.005  # each WhatsApp message, in or out
    llm_input_mtok: float = 0.05  # gpt-5-nano, per million tokens
    llm_output_mtok: float = 0.40
    dynamodb_write_m: float = 0.625  # on-demand, per million write request units
    dynamodb_read_m: float = 0.125


@dataclass(frozen=True)
class Plan:
    rate: float
    pods: dict[str, int]
    partitions: dict[str, int]
    analyzer_in_flight: int  # records in flight per analyzer pod at the 99.9th percentile
    numbers: int  # business numbers the rate needs at number_mps
    twilio_accounts: int
    openai_tier: str  # the lowest tier that carries it, or "above 5"
    dynamodb_share: float  # of the table's default write quota
    cost_hour: dict[str, float]


def pods_for(rate: float, cpu_ms: float, utilization: float = 0.7, floor: int = 2) -> int:
    """Pods of one core each, busy at most `utilization` (the HPA's target), at least `floor`."""
    return max(floor, math.ceil(rate * cpu_ms / 1000 / utilization))


def in_flight_p999(rate: float, median_s: float, sigma: float, seconds: float = 600.0) -> int:
    """Calls in flight at the 99.9th percentile: arrivals Poisson at `rate`, latencies
    lognormal, counted at each arrival over `seconds` (after the first minute)."""
    if rate <= 0 or median_s <= 0:
        return 0
    rng = random.Random(11)
    now, ends, samples = 0.0, [], []  # type: ignore[var-annotated]
    while now < seconds:
        now += rng.expovariate(rate)
        while ends and ends[0] <= now:
            heapq.heappop(ends)
        heapq.heappush(ends, now + rng.lognormvariate(math.log(median_s), sigma))
        if now > 60:
            samples.append(len(ends))
    samples.sort()
    return samples[int(len(samples) * 0.999)] if samples else 0


def openai_tier(calls_s: float, tokens_s: float, limits: Limits) -> str:
    """The lowest usage tier whose requests and tokens a minute carry the load."""
    for tier, rpm in limits.openai_rpm.items():
        if calls_s * 60 <= rpm and tokens_s * 60 <= limits.openai_tpm[tier]:
            return tier
    return "above 5"


def plan(
    rate: float, m: Measured, llm: tuple[float, float], limits: Limits, prices: Prices
) -> Plan:
    """What `rate` inbound messages a second need, with the LLM's (median_s, sigma)."""
    pods = {name: pods_for(rate, cpu) for name, cpu in m.cpu_ms.items()}
    # A partition is consumed by one member of a group: room for twice today's pods, so the
    # autoscaler can double before partitions bind, and no partition past its sizing.
    partitions = {
        topic: max(2 * pods[name], math.ceil(rate * m.kafka_records / limits.partition_records_s))
        for name, topic in CONSUMERS.items()
    }
    per_pod = rate * m.llm_calls / pods["analyzer"]
    tokens_s = rate * m.llm_calls * (m.prompt_tokens + m.output_tokens)
    replies = rate  # one reply a message
    return Plan(
        rate=rate,
        pods=pods,
        partitions=partitions,
        analyzer_in_flight=in_flight_p999(per_pod, *llm),
        numbers=math.ceil((rate + replies) / limits.number_mps),
        twilio_accounts=math.ceil(replies * limits.twilio_latency_s / limits.twilio_concurrency),
        openai_tier=openai_tier(rate * m.llm_calls, tokens_s, limits),
        dynamodb_share=rate * m.dynamodb_writes / limits.dynamodb_table_wru,
        cost_hour=cost_hour(rate, m, pods, prices),
    )


def cost_hour(rate: float, m: Measured, pods: dict[str, int], prices: Prices) -> dict[str, float]:
    """USD an hour: the pods (Kafka's brokers at three replicas, half busy, priced alike), the
    model's tokens, Twilio's per-message fee, DynamoDB's request units."""
    hour = rate * 3600
    vcpus = sum(pods.values()) + math.ceil(3 * rate * m.broker_cpu_ms / 1000 / 0.5)
    llm = m.llm_calls * (
        m.prompt_tokens * prices.llm_input_mtok + m.output_tokens * prices.llm_output_mtok
    )
    dynamo = m.dynamodb_writes * prices.dynamodb_write_m + m.dynamodb_reads * prices.dynamodb_read_m
    return {
        "compute": vcpus * (prices.vcpu_hour + prices.pod_gib * prices.gib_hour),
        "llm": hour * llm / 1e6,
        "twilio": hour * 2 * prices.twilio_message,
        "dynamodb": hour * dynamo / 1e6,
    }


def ceilings(m: Measured, limits: Limits) -> dict[str, float]:
    """Inbound messages a second at which one unit of each external limit is used up."""
    tokens = m.llm_calls * (m.prompt_tokens + m.output_tokens)
    return {
        "a WhatsApp number at Meta's default 80 mps (in and out)": 80 / 2,
        f"a WhatsApp number at {limits.number_mps:,.0f} mps": limits.number_mps / 2,
        "a Twilio account's concurrency": limits.twilio_concurrency / limits.twilio_latency_s,
        "OpenAI tier 5 requests/min": limits.openai_rpm["5"] / 60 / m.llm_calls,
        "OpenAI tier 5 tokens/min": limits.openai_tpm["5"] / 60 / tokens,
        "a DynamoDB table's default quota": limits.dynamodb_table_wru / m.dynamodb_writes,
    }


def shared_machine_rate(cores: float, busy: float, cpu_ms_total: float, *caps: float) -> float:
    """Messages a second on one machine whose cores every process shares (this one): its CPU
    at the busy share the benchmark reached, or the first external cap, whichever is lower."""
    return min([cores * busy * 1000 / cpu_ms_total, *caps])
