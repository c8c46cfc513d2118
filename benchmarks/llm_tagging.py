"""Feedbacks tagged a second by the LLM tagger when the model answers in seconds.

Runs the insights handler (the LLM tagger, its offline fallback, the tagger's thread pool) on
`--count` completed feedbacks, up to 256 at once as the consumer loop allows, against the
OpenAI stand-in answering after a lognormal delay. `--threads 0` runs the tagger in the
loop's default pool instead (cores + 4 threads), the way insights ran it before
`TAGGER_THREADS`. The last line is JSON with the rate and the most calls the model had at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import openai

from feedback_contracts import Envelope, FeedbackCompleted
from insights.handlers import Insights, handle_feedback_completed
from insights.llm_tagger import LlmTagger
from insights.offline import OfflineTagger
from insights.settings import InsightsSettings
from insights.static_taxonomy import StaticTaxonomy
from insights.taxonomy import Topic
from service_runtime.failures import TransientError
from standins.faults import Faults
from standins.openai_api import create_app
from standins.openai_state import Latency, OpenAIState
from standins.serving import serve_in_thread

IN_FLIGHT = 256  # the consumer loop's default bound (KAFKA_MAX_IN_FLIGHT)
TAXONOMY = [
    Topic(label="quality", description="How well it is made: defects, leaks, breakage."),
    Topic(label="delivery", description="Shipping, couriers and delivery times."),
]
ANSWER = {"topics": ["quality"], "sentiment": "negative", "summary": "Leaks.", "proposal": None}


class _Counted:
    def __init__(self) -> None:
        self.published = 0
        self.tagged_by: Counter[str] = Counter()

    async def publish(self, envelope: Envelope) -> None:
        self.published += 1
        self.tagged_by[str(getattr(envelope.data, "tagger", "?"))] += 1


def _completed(n: int) -> tuple[FeedbackCompleted, Envelope]:
    event = FeedbackCompleted(
        session_id=f"s{n}",
        sender_id=f"whatsapp:+1555{n:07d}",
        product_name="kettle",
        feedback_text="The lid leaks after a week.",
        completed_at=datetime.now(UTC),
    )
    return event, Envelope.wrap(event, source="benchmark", correlation_id=f"SM{n}")


async def measure(
    threads: int, count: int, median_s: float, sigma: float, per_minute: float
) -> dict[str, object]:
    faults = Faults(per_minute=per_minute)
    state = OpenAIState(latency=Latency(median_s, sigma), faults=faults, draw=random.Random(7))
    state.default = lambda body: json.dumps(ANSWER)
    server = serve_in_thread(create_app(state))
    retries = InsightsSettings.model_fields["openai_max_retries"].default  # as the service
    client = openai.OpenAI(api_key="sk-stand-in", base_url=f"{server.url}/v1", max_retries=retries)
    executor = ThreadPoolExecutor(threads, thread_name_prefix="tagger") if threads else None
    published = _Counted()
    deps = Insights(
        LlmTagger(client, model="gpt-5-nano", fallback=OfflineTagger()),
        StaticTaxonomy(TAXONOMY, version=1),
        published,
        executor,
    )
    room = asyncio.Semaphore(IN_FLIGHT)

    async def tag(n: int) -> None:
        event, envelope = _completed(n)
        async with room:
            backoff = 0.2  # as the consumer loop tries a record again (ConsumerConfig)
            while True:
                try:
                    await handle_feedback_completed(event, envelope, deps=deps)
                    return
                except TransientError:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(tag(n) for n in range(count)))
    finally:
        elapsed = time.perf_counter() - started
        if executor:
            executor.shutdown()
        server.stop()
    return {
        "benchmark": "llm_tagging",
        "tagger_threads": threads or "the loop's default pool",
        "feedbacks": count,
        "llm_median_s": median_s,
        "llm_sigma": sigma,
        "llm_requests_per_minute": per_minute,
        "tagged": published.published,
        "tagged_by": dict(published.tagged_by),
        "tags_per_s": round(published.published / elapsed, 1),
        "peak_llm_calls_in_flight": state.peak_in_flight,
        "llm_outcomes": dict(faults.outcomes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads", type=int, default=InsightsSettings.model_fields["tagger_threads"].default
    )
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--llm-median-s", type=float, default=1.5)
    parser.add_argument("--llm-sigma", type=float, default=0.6)
    parser.add_argument(
        "--llm-requests-per-minute", type=float, default=0.0, help="the LLM's RPM; 0: no limit"
    )
    args = parser.parse_args()
    result = asyncio.run(
        measure(
            args.threads,
            args.count,
            args.llm_median_s,
            args.llm_sigma,
            args.llm_requests_per_minute,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
