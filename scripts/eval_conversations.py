"""The dialogue set against an OpenAI-compatible model: `make eval-conversations`.

Uses the analyzer's own settings (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`, the
timeout and retries) and its OpenAI adapter with the current system prompt, plays every
dialogue of `tests/conversations/`, compares what is stored loosely (a model words things its
own way), and prints each failure and, as its last line, JSON with the pass rate.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conversations.dialogues import load, play

from analyzer.adapters.openai_verdicts import OpenAIVerdicts
from analyzer.prompt import PROMPT_VERSION
from analyzer.settings import AnalyzerSettings
from service_runtime.settings import SettingsError, load_settings


async def main() -> int:
    """Play every dialogue against the configured model; exit 1 when none is configured."""
    try:
        settings = load_settings(AnalyzerSettings)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 1
    if settings.openai_api_key is None:
        print("set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server)", file=sys.stderr)
        return 1
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_s,
        max_retries=settings.openai_max_retries,
    )
    verdicts = OpenAIVerdicts(
        client, model=settings.openai_model, budget_tokens=settings.history_token_budget
    )
    dialogues, passed = load(), 0
    for dialogue in dialogues:
        played = await play(dialogue, verdicts, strict=False)
        passed += not played.problems
        for problem in played.problems:
            print(f"FAIL {dialogue.name}: {problem}")
    await client.close()
    rate = passed / len(dialogues)
    summary = {
        "benchmark": "conversations",
        "model": settings.openai_model,
        "prompt": PROMPT_VERSION,
        "dialogues": len(dialogues),
        "passed": passed,
        "pass_rate": round(rate, 3),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
