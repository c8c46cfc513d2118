"""A Twilio REST API stand-in: Messages.json sends, media behind Basic auth and a CDN redirect."""

from __future__ import annotations

import random

from fastapi import FastAPI

from standins.faults import Faults
from standins.twilio_media import router as media_router
from standins.twilio_messages import router as messages_router
from standins.twilio_state import TwilioState


def create_app(state: TwilioState) -> FastAPI:
    """The stand-in's routes over `state`."""
    app = FastAPI(title="Twilio API stand-in")
    app.state.twilio = state
    app.include_router(messages_router)
    app.include_router(media_router)
    return app


def main() -> None:
    """Run the stand-in as its own process: `python -m standins.twilio_api --port N`."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--public-url", help="the base URL clients reach this server at")
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--send-latency-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of sends answered 500")
    parser.add_argument(
        "--max-concurrent",
        type=int,
        default=0,
        help="sends at once before a 429 (20429), as an account's concurrency limit; 0: none",
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    public = args.public_url or f"http://127.0.0.1:{args.port}"
    faults = Faults(
        error_rate=args.error_rate,
        max_concurrent=args.max_concurrent,
        draw=random.Random(args.seed),
    )
    state = TwilioState(
        args.account_sid,
        args.auth_token,
        cdn_base_url=public,
        send_latency_s=args.send_latency_ms / 1000,
        faults=faults,
    )
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
