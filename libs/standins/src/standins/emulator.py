"""The WhatsApp emulator: a chat page where a person plays the customer.

It is the Twilio the system talks to: it signs and posts webhooks to ingress, hosts the customer's
media behind Basic auth, and serves Twilio's Messages API that the messenger sends through
(the same stand-in the tests use). Beside the chat it shows the session and the stored feedback.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

import boto3
import httpx
from boto3.dynamodb.conditions import Key
from fastapi import FastAPI, Form, HTTPException, UploadFile
from fastapi.responses import HTMLResponse, Response

from standins.twilio_api import TwilioState, create_app
from standins.twilio_webhooks import inbound_params, post_signed_async

PAGE = resources.files("standins").joinpath("emulator.html").read_text()
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<circle cx="32" cy="30" r="26" fill="#25d366"/><path d="M14 58l6-14 10 6z" fill="#25d366"/>'
    '<path d="M22 22h20M22 31h20M22 40h12" stroke="#fff" stroke-width="5" stroke-linecap="round"/>'
    "</svg>"
)


@dataclass(frozen=True)
class EmulatorConfig:
    """Where the system is, and what Twilio would know."""

    public_url: str
    ingress_url: str
    persistence_url: str
    api_secret: str
    business_number: str
    aws_endpoint_url: str | None
    aws_region: str
    sessions_table: str
    opt_outs_table: str = "opt_outs"
    owner_url: str | None = None  # where a browser opens the owner's page; else persistence's


def create_emulator(state: TwilioState, config: EmulatorConfig) -> FastAPI:
    """Twilio's API stand-in plus the page and its small JSON API."""
    app = create_app(state)
    said: list[dict[str, Any]] = []
    region, endpoint = config.aws_region, config.aws_endpoint_url
    sessions = boto3.resource("dynamodb", region_name=region, endpoint_url=endpoint).Table(
        config.sessions_table
    )
    opt_outs = boto3.resource("dynamodb", region_name=region, endpoint_url=endpoint).Table(
        config.opt_outs_table
    )
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint)

    owner = config.owner_url or f"{config.persistence_url}/owner/"
    owner_page = PAGE.replace("{{OWNER_URL}}", html.escape(f"{owner}#token={config.api_secret}"))

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return owner_page

    @app.get("/favicon.svg")
    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml")

    @app.post("/emulator/send")
    async def send(
        customer: str = Form(...), text: str = Form(""), photo: UploadFile | None = None
    ) -> dict[str, Any]:
        """Post the customer's message to ingress, signed, exactly as Twilio would."""
        params = inbound_params(
            account_sid=state.account_sid, sender=customer, to=config.business_number, body=text
        )
        media = None
        if photo is not None and photo.filename:
            kind = photo.content_type or "application/octet-stream"
            path = state.add_media(params["MessageSid"], await photo.read(), kind)
            params |= {
                "NumMedia": "1",
                "MediaUrl0": config.public_url + path,
                "MediaContentType0": kind,
                "MessageType": "image",
            }
            media = f"/emulator/media/{path.rsplit('/', 1)[-1]}"
        state.receive(params)  # Twilio keeps the customer's message, too
        async with httpx.AsyncClient(timeout=20) as client:
            url = f"{config.ingress_url}/twilio/messages"
            answer = await post_signed_async(client, url, params, state.auth_token)
        said.append(
            {
                "who": "customer",
                "customer": customer,
                "text": text,
                "media": media,
                "at": time.time(),
                "status": answer.status_code,
            }
        )
        return {"message_sid": params["MessageSid"], "ingress_status": answer.status_code}

    @app.get("/emulator/conversation")
    async def conversation(customer: str) -> list[dict[str, Any]]:
        """The customer's messages and the bot's replies, in time order. The page is the
        customer's phone: a delivered reply it is about to show is read now, and Twilio's
        `read` status callback goes out."""
        mine = [item for item in said if item["customer"] == customer]
        replies = state.sent_to(customer)
        for message in replies:
            state.mark_read(message.sid)
        bot = [
            {
                "who": "bot",
                "text": m.body,
                "media": None,
                "at": m.accepted_at,
                "status": state.statuses.get(m.sid, "queued"),
            }
            for m in replies
        ]
        return sorted(mine + bot, key=lambda item: float(item["at"]))

    @app.get("/emulator/session")
    async def session(customer: str) -> dict[str, Any]:
        """The customer's newest session as the analyzer stored it, and whether they opted out."""
        consent = opt_outs.get_item(Key={"sender_id": customer}).get("Item") or {}
        opted_out = {"opted_out": bool(consent.get("opted_out"))}
        found = sessions.query(
            KeyConditionExpression=Key("sender_id").eq(customer),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        if not found.get("Items"):
            return opted_out
        item: dict[str, Any] = dict(found["Items"][0])
        outcome: dict[str, Any] = item.get("last_outcome") or {}
        return {
            "session_id": item["session_id"],
            "status": item["status"],
            "step": item.get("step"),
            "product_name": item.get("product_name"),
            "feedback": item.get("feedback"),
            "media": len(item.get("media", [])),
            "last_reply": outcome.get("reply"),
            "feedback_completed": bool(outcome.get("feedback_completed")),
            **opted_out,
        }

    @app.get("/emulator/feedback")
    async def feedback(customer: str) -> list[dict[str, Any]]:
        """The customer's stored Feedback rows, media linked through this page."""
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(
                f"{config.persistence_url}/feedback",
                params={"sender_id": customer},
                headers={"Authorization": f"Bearer {config.api_secret}"},
            )
        answer.raise_for_status()
        rows: list[dict[str, Any]] = answer.json()["items"]
        for row in rows:
            row["media_links"] = [f"/emulator/s3?uri={uri}" for uri in row["media_urls"]]
        return rows

    @app.get("/emulator/s3")
    async def stored_object(uri: str) -> Response:
        """A stored media object (from the configured S3)."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        try:
            found = s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey as missing:
            raise HTTPException(404, "no such object") from missing
        return Response(found["Body"].read(), media_type=found["ContentType"])

    @app.get("/emulator/media/{media_sid}")
    async def customer_media(media_sid: str) -> Response:
        """What the customer attached, for the chat bubble."""
        if media_sid not in state.media:
            raise HTTPException(404, "no such media")
        content, kind = state.media[media_sid]
        return Response(content, media_type=kind)

    return app


def main() -> None:
    """Run the emulator on its own (docker-compose): `python -m standins.emulator --help`."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--public-url", required=True, help="how the services reach this server")
    parser.add_argument("--ingress-url", required=True)
    parser.add_argument("--persistence-url", required=True)
    parser.add_argument("--api-secret", required=True)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--business-number", default="whatsapp:+14155238886")
    parser.add_argument("--aws-endpoint-url")
    parser.add_argument("--aws-region", default="us-east-1")
    parser.add_argument("--sessions-table", default="sessions")
    parser.add_argument("--owner-url", help="the owner's page as a browser reaches it")
    args = parser.parse_args()
    state = TwilioState(args.account_sid, args.auth_token, cdn_base_url=args.public_url)
    config = EmulatorConfig(
        public_url=args.public_url,
        ingress_url=args.ingress_url,
        persistence_url=args.persistence_url,
        api_secret=args.api_secret,
        business_number=args.business_number,
        aws_endpoint_url=args.aws_endpoint_url,
        aws_region=args.aws_region,
        sessions_table=args.sessions_table,
        owner_url=args.owner_url,
    )
    uvicorn.run(create_emulator(state, config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
