"""An alert receiver, run as its own process: a Slack incoming webhook (`--kind slack`: a
JSON body with `text` or `blocks`, answered `ok`, anything else `400 invalid_payload`, as Slack
does) or any HTTPS endpoint of the owner's (`--kind webhook`: whatever is posted). It keeps
every request it was sent, and answers the status it is told to (`--status`, or
`POST /_standin/status`), so a test can make it fail."""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

Kind = Literal["slack", "webhook"]


class Told(BaseModel):
    """What to answer from now on."""

    status: int


def create_app(kind: Kind, status: int = 200) -> FastAPI:
    """`POST /hook` is the receiver; `GET /_standin/received` lists what it got."""
    app = FastAPI(title=f"{kind} receiver")
    received: list[dict[str, Any]] = []
    answer = {"status": status}
    lock = threading.Lock()

    @app.post("/hook/{path:path}")
    async def hook(path: str, request: Request) -> Response:
        body = await request.body()
        with lock:
            received.append(
                {
                    "path": path,
                    "headers": dict(request.headers),
                    "body": body.decode("utf-8", "replace"),
                    "answered": answer["status"],
                }
            )
        if answer["status"] != 200:
            return Response("failing on purpose", answer["status"], media_type="text/plain")
        if kind == "slack" and not _slack_message(body):
            return Response("invalid_payload", 400, media_type="text/plain")
        return Response("ok", 200, media_type="text/plain")

    @app.get("/_standin/received")
    async def listed() -> list[dict[str, Any]]:
        with lock:
            return list(received)

    @app.post("/_standin/status")
    async def told(told: Told) -> dict[str, int]:
        answer["status"] = told.status
        return answer

    return app


def _slack_message(body: bytes) -> bool:
    try:
        message = json.loads(body)
    except ValueError:
        return False
    return isinstance(message, dict) and bool(message.get("text") or message.get("blocks"))


def main() -> None:
    """`python -m standins.receiver --port N --kind slack|webhook [--status 400]`."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--kind", choices=["slack", "webhook"], required=True)
    parser.add_argument("--status", type=int, default=200)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.kind, args.status), host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
