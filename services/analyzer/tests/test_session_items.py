"""A session's DynamoDB item: round trip, and items written before the turns were a string."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from analyzer.adapters.session_items import session_from, session_item
from analyzer.sessions import new_session
from analyzer.verdict import Turn

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_session_survives_its_item() -> None:
    turns = (Turn(role="customer", text='a "quoted" ünïcode', media_urls=("https://m/1",)),)
    session = replace(new_session("whatsapp:+1555", after=None, now=NOW), recent_turns=turns)
    item = session_item(session)
    assert isinstance(item["recent_turns"], str)
    assert session_from(item) == session
    rated = replace(session, rating=4, rating_asks=1)
    assert session_from(session_item(rated)) == rated


def test_turns_stored_as_a_list_are_still_read() -> None:
    session = new_session("whatsapp:+1555", after=None, now=NOW)
    item = session_item(session) | {
        "recent_turns": [{"role": "assistant", "text": "Which product?", "media_urls": []}]
    }
    assert session_from(item).recent_turns == (Turn(role="assistant", text="Which product?"),)
