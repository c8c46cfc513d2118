"""The docs say what the code does: every topic in the table, every service counted."""

from __future__ import annotations

import re

import pytest

from feedback_contracts import EVENT_TYPES
from harness.registry import ROOT, services

pytestmark = pytest.mark.unit
NUMBERS = {4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def test_the_architecture_lists_every_topic_with_its_events() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z.-]+)` \| (.+) \|$", text, flags=re.MULTILINE))
    for event_type, event in EVENT_TYPES.items():
        assert event.TOPIC in rows, event.TOPIC
        name, version = event_type.rsplit(".v", 1)
        if f"{name}.v{int(version) + 1}" in EVENT_TYPES:
            continue  # the table names the newest version, and that the old ones are still read
        assert event_type in rows[event.TOPIC], event_type


def test_the_docs_count_the_services_as_the_chart_does() -> None:
    count = len(services())
    wrong = [n for n in NUMBERS.values() if n != NUMBERS[count]]
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        said = re.findall(rf"\b({'|'.join(wrong)}) services\b", path.read_text(), re.IGNORECASE)
        assert said == [], path.name
