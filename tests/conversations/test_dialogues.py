"""The dialogue set against the offline analyzer: every conversation ends as scripted."""

from __future__ import annotations

import pytest

from analyzer.offline import OfflineVerdicts

from .dialogues import Dialogue, load, play

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("dialogue", load(), ids=lambda d: d.name)
async def test_dialogue(dialogue: Dialogue) -> None:
    played = await play(dialogue, OfflineVerdicts())
    transcript = "\n".join(
        f"  customer: {t.get('text', '')}{' [photo]' if t.get('photo') else ''}"
        for t in dialogue.turns
    )
    replies = "\n".join(f"  bot: {reply}" for reply in played.replies)
    assert not played.problems, f"{played.problems}\n{transcript}\n{replies}"
