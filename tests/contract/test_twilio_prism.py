"""The messenger's real Twilio requests against Twilio's official OpenAPI spec (Prism)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.processes import InfrastructureError, free_port, port_open, stop, wait_until
from messenger.adapters.twilio_sender import TwilioMessageSender
from messenger.sending import SendError

pytestmark = pytest.mark.integration
HERE = Path(__file__).with_name("twilio-prism")
SPEC = HERE / "node_modules/@twilio/cli-core/src/services/twilio-api/twilio_api_v2010.json"
PRISM = HERE / "node_modules/.bin/prism"
ACCOUNT = "AC" + "a" * 32


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PRISM.exists() or not SPEC.exists():
        if shutil.which("npm") is None:
            raise InfrastructureError("the Prism contract test needs Node.js and npm")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            stdout=out,
            stderr=out,
        )
    try:
        wait_until(lambda: port_open(port), timeout_s=120, what="Prism", process=process, log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


async def test_send_request_satisfies_twilios_spec(prism: str) -> None:
    sender = TwilioMessageSender(ACCOUNT, "token", api_base_url=prism, timeout_s=10)
    sid = await sender.send(
        to="whatsapp:+15550001111",
        from_="whatsapp:+14155238886",
        body="Thanks for your feedback!",
        status_callback="https://hooks.example.com/twilio/status",
    )
    assert sid.startswith("SM")


async def test_prism_rejects_what_twilio_would(prism: str) -> None:
    sender = TwilioMessageSender(ACCOUNT, "token", api_base_url=prism, timeout_s=10)
    with pytest.raises(SendError) as rejected:
        await sender.send(
            to="whatsapp:+15550001111",
            from_="whatsapp:+14155238886",
            body="x",
            status_callback="not a url",
        )
    assert rejected.value.status == 422


async def test_list_query_of_an_unsettled_send_satisfies_twilios_spec(prism: str) -> None:
    sender = TwilioMessageSender(ACCOUNT, "token", api_base_url=prism, timeout_s=10)
    try:
        found = await sender.find_sent(
            to="whatsapp:+15550001111",
            from_="whatsapp:+14155238886",
            body="a body the spec's example does not have",
            since=datetime.now(UTC) - timedelta(minutes=5),
        )
    finally:
        await sender.close()
    assert found is None  # Prism answered the request as valid, with its example messages


async def test_erasure_requests_satisfy_twilios_spec(prism: str) -> None:
    """The erasure's Messages list by From and To, its Media list, and the Media and Message
    DELETEs: Prism answers each as valid (a request the spec refuses raises `SendError`)."""
    sender = TwilioMessageSender(ACCOUNT, "token", api_base_url=prism, timeout_s=10)
    try:
        sids = await sender.messages_between(
            from_="whatsapp:+15550001111", to="whatsapp:+14155238886", limit=100
        )
        assert sids and all(sid.startswith(("SM", "MM")) for sid in sids)
        media = await sender.erase(sids[0])
    finally:
        await sender.close()
    assert media >= 0


async def test_template_send_satisfies_twilios_spec(prism: str) -> None:
    """A feedback request's template: ContentSid and ContentVariables instead of a Body."""
    sender = TwilioMessageSender(ACCOUNT, "token", api_base_url=prism, timeout_s=10)
    try:
        sid = await sender.send_template(
            to="whatsapp:+15550001111",
            from_="whatsapp:+14155238886",
            content_sid="HX" + "b" * 32,
            variables={"1": "Acme kettle"},
            status_callback="https://hooks.example.com/twilio/status",
        )
    finally:
        await sender.close()
    assert sid.startswith("SM")
