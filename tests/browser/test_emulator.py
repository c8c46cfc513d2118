"""`make dev`'s stack, driven in real Chromium through the emulator page."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from harness.processes import InfrastructureError, free_port, port_open, wait_until
from harness.receivers import Receiver
from harness.registry import services

pytestmark = pytest.mark.e2e
HERE = Path(__file__).parent
ROOT = HERE.parents[1]
REAL_PARTS = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "AWS_ENDPOINT_URL", "OPENAI_API_KEY")


def tools() -> tuple[str, str]:
    chromium = shutil.which("chromium")
    node = shutil.which("node")
    if chromium is None or node is None:
        raise InfrastructureError("the browser test needs Debian's chromium and Node.js")
    if not (HERE / "node_modules" / "playwright-core").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return chromium, node


def free_block(size: int) -> int:
    """A base port with `size` free ports after it."""
    for _ in range(50):
        base = free_port()
        if base + size < 65000 and not any(port_open(base + i) for i in range(size)):
            return base
    raise InfrastructureError("no block of free ports")


def photo(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 10.0), 3: "E", 4: (4.0, 53.0, 20.0)}
    out = io.BytesIO()
    Image.new("RGB", (240, 180), "teal").save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def run_flow(
    node: str, env: dict[str, str], emulator: int, picture: Path, shot: Path, width: int
) -> dict[str, Any]:
    """One conversation through the page at this viewport width; what the page showed."""
    customer = f"whatsapp:+1666{uuid.uuid4().int % 10**7:07d}"
    url = f"http://127.0.0.1:{emulator}/"
    flow = subprocess.run(
        [node, str(HERE / "emulator_flow.mjs"), url, customer, str(picture), str(shot), str(width)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert flow.returncode == 0, flow.stderr
    result: dict[str, Any] = json.loads(flow.stdout.strip().splitlines()[-1])
    result["customer"] = customer
    return result


@dataclass
class DevStack:
    """`make dev`'s process, its environment and ports."""

    env: dict[str, str]
    emulator: int
    base: int
    log: Path


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    chromium, _ = tools()
    tmp_path = tmp_path_factory.mktemp("dev")
    emulator, base = free_port(), free_block(len(services()))
    env = {key: value for key, value in os.environ.items() if key not in REAL_PARTS}
    env |= {
        "EMULATOR_PORT": str(emulator),
        "DEV_BASE_PORT": str(base),
        "DEV_DIR": str(tmp_path / "dev"),
        "CHROMIUM": chromium,
    }
    log = tmp_path / "dev.log"
    with open(log, "wb") as out:
        dev = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "dev.py")],
            cwd=tmp_path,  # not the checkout: a developer's .env stays out of the test
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(
            lambda: "WhatsApp emulator (play the customer)" in log.read_text(),
            timeout_s=120,
            what="make dev's stack",
            process=dev,
            log=log,
        )
        yield DevStack(env, emulator, base, log)
    finally:
        dev.send_signal(signal.SIGINT)  # Ctrl-C
        code = dev.wait(timeout=30)
    assert code == 0, log.read_text()[-3000:]
    ports = (emulator, *range(base, base + len(services())))
    assert not any(port_open(port) for port in ports)


def test_conversation_with_a_photo_on_the_emulator_page(
    dev_stack: DevStack, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    _, node = tools()
    for width in (1280, 390):  # a desktop, then a phone (an iPhone's 390 px)
        shot = tmp_path / f"emulator-{width}.png"
        picture = photo(tmp_path / "kettle.jpg")
        result = run_flow(node, dev_stack.env, dev_stack.emulator, picture, shot, width)
        assert result["status"].strip() == "completed", dev_stack.log.read_text()[-3000:]
        assert result["replies"][-1].startswith("Thank you")
        assert result["ticks"] == ["read"] * len(result["replies"])
        assert shot.stat().st_size > 10_000
        assert result["outOfPlace"] == [], width  # controls, bubbles and photos in their panels
        if request.config.getoption("--update-screenshots"):
            shutil.copy(shot, DOCS / ("emulator.png" if width == 1280 else "emulator-phone.png"))
    # The statuses went through ingress and Kafka to persistence, as Twilio's would.
    persistence = dev_stack.base + services().index("persistence")

    def statuses() -> list[str]:
        answer = httpx.get(
            f"http://127.0.0.1:{persistence}/replies",
            params={"recipient": result["customer"]},
            headers={"Authorization": "Bearer dev-api-secret"},
            timeout=10,
        )
        return [row["status"] for row in answer.json()]

    deadline = time.monotonic() + 30
    while statuses() != ["read"] * len(result["replies"]):
        assert time.monotonic() < deadline, statuses()
        time.sleep(0.2)
    assert result["favicon"] == 200 and "svg" in result["faviconType"]
    assert result["stacked"] and not result["horizontalOverflow"]
    assert result["colourEmoji"], "emoji drawn without a colour emoji font"


def test_the_owner_sees_tagged_feedback_charts_and_photos(
    dev_stack: DevStack, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    _, node = tools()
    run_flow(
        node, dev_stack.env, dev_stack.emulator, photo(tmp_path / "k.jpg"), tmp_path / "c.png", 1280
    )
    persistence = dev_stack.base + services().index("persistence")
    page = urllib.request.urlopen(f"http://127.0.0.1:{dev_stack.emulator}/").read().decode()
    assert f"http://127.0.0.1:{persistence}/owner/#token=" in page  # the emulator links to it
    url = f"http://127.0.0.1:{persistence}/owner/#token=dev-api-secret"
    for width in (1280, 390):
        shot = tmp_path / f"owner-{width}.png"
        flow = subprocess.run(
            [node, str(HERE / "owner_flow.mjs"), url, "quality", QUALITY, str(shot), str(width)],
            env=dev_stack.env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert flow.returncode == 0, flow.stderr
        result = json.loads(flow.stdout.strip().splitlines()[-1])
        assert result["cards"] >= 1 and result["weeks"] == 12 and result["filterOffers"]
        assert any(bar.startswith("quality") for bar in result["bars"]), result["bars"]
        assert set(result["sentiments"]) <= {"positive", "negative", "neutral", "mixed"}
        # The flow rated the kettle ⭐⭐⭐⭐ each time: the average, the five levels, the product's
        # row, and this week's bar among the twelve.
        assert result["ratingAverage"] == "4.0" and result["ratingLevels"] == 5
        assert any(row.startswith("Acme kettle") for row in result["ratedProducts"]), result
        assert result["ratingTrendWeeks"] == 12 and result["ratingWeeks"] == 1
        assert result["cardStars"] >= 1
        assert not result["overflow"]
        assert result["outOfPlace"] == [], width
        if request.config.getoption("--update-screenshots"):
            shutil.copy(shot, DOCS / f"owner-page-{width}.png")


QUALITY = "Defects, leaks, breakage and build quality."
DOCS = ROOT / "docs"


def test_the_owner_sets_alerts_and_sees_each_delivery_on_the_page(
    dev_stack: DevStack, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Destinations added on the page (a private address refused) and one tried with a sample
    alert, a conversation on the
    emulator, then on the page: one delivery delivered, one failed and sent again; the alert's
    link opens the page at that feedback."""
    _, node = tools()
    ok, refusing = Receiver("webhook", tmp_path), Receiver("webhook", tmp_path, status=400)
    ok.start()
    refusing.start()
    persistence = dev_stack.base + services().index("persistence")
    page = f"http://127.0.0.1:{persistence}/owner/"

    def flow(mode: str, width: int, *extra: str) -> dict[str, Any]:
        shot = tmp_path / f"alerts-{width}.png"
        done = subprocess.run(
            [node, str(HERE / "alerts_flow.mjs"), f"{page}#token=dev-api-secret", mode,
             str(shot), str(width), *extra],
            env=dev_stack.env, capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    try:
        added = flow("add", 1280, ok.url, refusing.url)
        assert "url" in added["refused"] and "non-public" in added["refused"]
        assert "whsec_" in added["secret"] and "whsec_" in added["failingAdded"]
        assert {"customer care", "broken endpoint"} <= set(added["destinations"])
        assert not any("/hook/" in shown for shown in added["urlsShown"])  # masked
        assert added["tried"] == "test delivered (HTTP 200)"
        assert json.loads(ok.received()[0]["body"])["data"]["feedback_id"] == "test"

        run_flow(
            node, dev_stack.env, dev_stack.emulator, photo(tmp_path / "k.jpg"),
            tmp_path / "c.png", 1280,
        )  # fmt: skip
        wait_until(lambda: len(ok.received()) >= 2, timeout_s=60, what="the alert")
        alert = json.loads(ok.received()[1]["body"])["data"]
        assert alert["link"].startswith(page)
        linked = f"{page}#token=dev-api-secret&feedback={alert['feedback_id']}"
        for width in (1280, 390):
            checked = flow("check", width, linked)
            states = {d["to"]: d for d in checked["deliveries"]}
            assert states["customer care"]["state"] == "delivered"
            refused = states["broken endpoint"]
            assert refused["state"] == "failed" and "HTTP 400" in refused["error"]
            assert refused["tries"] > checked["triesBefore"] >= 1  # one try, then one more
            assert checked["linked"] == 1
            assert not checked["overflow"] and checked["outOfPlace"] == [], width
            if request.config.getoption("--update-screenshots"):
                shutil.copy(tmp_path / f"alerts-{width}.png", DOCS / f"owner-alerts-{width}.png")
        assert len(refusing.received()) >= 2  # a redelivery is one more try, by hand
    finally:
        ok.stop()
        refusing.stop()
