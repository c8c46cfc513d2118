"""The emulator page's routes: the page, the customer's sends (signed webhooks to ingress, as
Twilio posts them) and what the page shows beside the chat."""

from __future__ import annotations

import time
from typing import Annotated, Any

import httpx
from boto3.dynamodb.conditions import Key
from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from standins.emulator_state import FAVICON, Emulator
from standins.twilio_webhooks import inbound_params, post_signed_async


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator  # set by `emulator.create_emulator`
    return emulator


Emu = Annotated[Emulator, Depends(_emulator)]
router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def page(emu: Emu) -> str:
    return emu.page


@router.get("/favicon.svg")
@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(FAVICON, media_type="image/svg+xml")


@router.post("/emulator/send")
async def send(
    emu: Emu, customer: str = Form(...), text: str = Form(""), photo: UploadFile | None = None
) -> dict[str, Any]:
    """Post the customer's message to ingress, signed, exactly as Twilio would."""
    params = inbound_params(
        account_sid=emu.state.account_sid, sender=customer, to=emu.config.business_number, body=text
    )
    media = None
    if photo is not None and photo.filename:
        kind = photo.content_type or "application/octet-stream"
        path = emu.state.add_media(params["MessageSid"], await photo.read(), kind)
        params |= {
            "NumMedia": "1",
            "MediaUrl0": emu.config.public_url + path,
            "MediaContentType0": kind,
            "MessageType": "image",
        }
        media = f"/emulator/media/{path.rsplit('/', 1)[-1]}"
    emu.state.receive(params)  # Twilio keeps the customer's message, too
    async with httpx.AsyncClient(timeout=20) as client:
        url = f"{emu.config.ingress_url}/twilio/messages"
        answer = await post_signed_async(client, url, params, emu.state.auth_token)
    emu.said.append(
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


@router.get("/emulator/conversation")
async def conversation(emu: Emu, customer: str) -> list[dict[str, Any]]:
    """The customer's messages and the bot's replies, in time order. The page is the
    customer's phone: a delivered reply it is about to show is read now, and Twilio's
    `read` status callback goes out."""
    mine = [item for item in emu.said if item["customer"] == customer]
    replies = emu.state.sent_to(customer)
    for message in replies:
        emu.state.mark_read(message.sid)
    bot = [
        {
            "who": "bot",
            "text": m.body,
            "media": None,
            "at": m.accepted_at,
            "status": emu.state.statuses.get(m.sid, "queued"),
        }
        for m in replies
    ]
    return sorted(mine + bot, key=lambda item: float(item["at"]))


@router.get("/emulator/session")
async def session(emu: Emu, customer: str) -> dict[str, Any]:
    """The customer's newest session as the analyzer stored it, and whether they opted out."""
    consent = emu.opt_outs.get_item(Key={"sender_id": customer}).get("Item") or {}
    opted_out = {"opted_out": bool(consent.get("opted_out"))}
    found = emu.sessions.query(
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
        "rating": int(item["rating"]) if item.get("rating") is not None else None,
        "media": len(item.get("media", [])),
        "last_reply": outcome.get("reply"),
        "feedback_completed": bool(outcome.get("feedback_completed")),
        **opted_out,
    }


@router.get("/emulator/feedback")
async def feedback(emu: Emu, customer: str) -> list[dict[str, Any]]:
    """The customer's stored Feedback rows, media linked through this page."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(
            f"{emu.config.persistence_url}/feedback",
            params={"sender_id": customer},
            headers={"Authorization": f"Bearer {emu.config.api_secret}"},
        )
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()["items"]
    for row in rows:
        row["media_links"] = [f"/emulator/s3?uri={uri}" for uri in row["media_urls"]]
    return rows


@router.get("/emulator/s3")
async def stored_object(emu: Emu, uri: str) -> Response:
    """A stored media object (from the configured S3)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        found = emu.s3.get_object(Bucket=bucket, Key=key)
    except emu.s3.exceptions.NoSuchKey as missing:
        raise HTTPException(404, "no such object") from missing
    return Response(found["Body"].read(), media_type=found["ContentType"])


@router.get("/emulator/media/{media_sid}")
async def customer_media(emu: Emu, media_sid: str) -> Response:
    """What the customer attached, for the chat bubble."""
    if media_sid not in emu.state.media:
        raise HTTPException(404, "no such media")
    content, kind = emu.state.media[media_sid]
    return Response(content, media_type=kind)
