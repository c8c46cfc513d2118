"""Client CPU per chat completion: the OpenAI SDK on its default httpx transport and on its
aiohttp one (`openai.DefaultAioHttpClient`, what the analyzer uses), at a number of calls in
flight, against the OpenAI stand-in in its own process. The last line is JSON, a row each."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import openai
from common import free_port, port_open, stop, wait_until
from openai.types.chat import ChatCompletion

MESSAGES = [{"role": "system", "content": "x" * 1500}, {"role": "user", "content": "hello"}]


async def cpu_per_call(url: str, transport: str, in_flight: int, calls: int) -> dict[str, Any]:
    http = {"http_client": openai.DefaultAioHttpClient()} if transport == "aiohttp" else {}
    client = openai.AsyncOpenAI(api_key="sk-stand-in", base_url=url, max_retries=0, **http)
    room = asyncio.Semaphore(in_flight)
    body = {"model": "m", "messages": MESSAGES, "response_format": {"type": "json_object"}}

    async def call() -> None:
        async with room:
            await client.post("/chat/completions", cast_to=ChatCompletion, body=body)

    await asyncio.gather(*(call() for _ in range(50)))  # connections open, code warm
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(call() for _ in range(calls)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await client.close()
    return {
        "transport": transport,
        "in_flight": in_flight,
        "cpu_ms_per_call": round(cpu / calls * 1000, 2),
        "calls_per_s": round(calls / wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--llm-latency-s", type=float, default=0.0)
    args = parser.parse_args()
    port = free_port()
    stand_in = subprocess.Popen(
        [
            *(sys.executable, "-m", "standins.openai_api", "--port", str(port)),
            *("--latency-median-s", str(args.llm_latency_s)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_open(port), timeout_s=30, what="OpenAI stand-in")
        url = f"http://127.0.0.1:{port}/v1"
        rows = [
            asyncio.run(cpu_per_call(url, transport, in_flight, args.calls))
            for transport in ("httpx", "aiohttp")
            for in_flight in (32, 256)
        ]
    finally:
        stop(stand_in)
    print(
        json.dumps({"benchmark": "llm_client", "llm_latency_s": args.llm_latency_s, "rows": rows})
    )


if __name__ == "__main__":
    main()
