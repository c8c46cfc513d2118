"""The Twilio stand-in behaves as Twilio does where the system depends on it: status callbacks
signed like Twilio's, in order, and `read` once the customer saw the message."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from standins.serving import serve_in_thread
from standins.twilio_api import create_app
from standins.twilio_state import TwilioState

pytestmark = pytest.mark.integration
ACCOUNT, TOKEN = "AC" + "3" * 32, "e" * 32


async def test_statuses_reach_the_callback_signed_in_order_and_read_when_shown() -> None:
    received: list[tuple[str, bool]] = []
    receiver = FastAPI()

    @receiver.post("/twilio/status")
    async def status(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        signature = request.headers.get("x-twilio-signature", "")
        valid = RequestValidator(TOKEN).validate(str(request.url), form, signature)
        received.append((form["MessageStatus"], valid))
        return Response(status_code=204)

    server = serve_in_thread(receiver)
    state = TwilioState(ACCOUNT, TOKEN, callback_delay_s=0.01)
    auth = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    try:
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(transport=transport, base_url="http://twilio") as twilio:
            created = await twilio.post(
                f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
                data={
                    "To": "whatsapp:+15550001111",
                    "From": "whatsapp:+14155238886",
                    "Body": "Thanks!",
                    "StatusCallback": f"{server.url}/twilio/status",
                },
                headers={"Authorization": f"Basic {auth}"},
            )
        sid = created.json()["sid"]
        for _ in range(200):
            if len(received) == 2:
                break
            await asyncio.sleep(0.02)
        assert received == [("sent", True), ("delivered", True)]
        state.mark_read(sid)
        state.mark_read(sid)  # shown again: read once
        for _ in range(200):
            if len(received) == 3:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert received[2:] == [("read", True)] and state.statuses[sid] == "read"
    finally:
        server.stop()
