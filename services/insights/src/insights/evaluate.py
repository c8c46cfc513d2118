"""Tag labelled feedback with a taxonomy and print how well the tags match, as JSON.

python -m insights.evaluate --taxonomy T.json --data D.jsonl [--predictions OUT.jsonl]
    [--tagger offline|llm]

The offline tagger by default; `--tagger llm` tags with the model the service would use, from
the same settings (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, ...), TAGGER_THREADS
feedbacks at a time, so an owner can compare the two on their own feedback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from insights.llm_tagger import tagger_for
from insights.offline import OfflineTagger
from insights.scoring import Labelled, score
from insights.settings import TaggerSettings
from insights.tagging import SENTIMENTS, Tagger, TaggerBusy, Tags
from insights.taxonomy import Topic, load_taxonomy

BATCH = 256


def read_rows(path: Path) -> list[Labelled]:
    """The JSON lines of a data file: `text`, `topics` and `sentiment` each."""
    rows = []
    for n, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}:{n}: not a JSON object ({error.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise SystemExit(f"{path}:{n}: every line needs a string 'text'")
        topics, sentiment = item.get("topics") or [], item.get("sentiment")
        if isinstance(sentiment, str):
            sentiment = sentiment.strip().lower()
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise SystemExit(f"{path}:{n}: 'topics' must be a list of labels")
        if sentiment is not None and sentiment not in SENTIMENTS:
            raise SystemExit(f"{path}:{n}: 'sentiment' must be one of {', '.join(SENTIMENTS)}")
        rows.append(Labelled(item["text"], frozenset(topics), sentiment))
    return rows


def read_taxonomy(path: Path) -> list[Topic]:
    """The active topics of a taxonomy file, or a clear exit if it is not one."""
    try:
        return [t for t in load_taxonomy(path) if t.active]
    except OSError as error:
        raise SystemExit(f"{path}: {error.strerror}") from None
    except ValueError as error:  # JSONDecodeError and pydantic's ValidationError
        raise SystemExit(f"{path}: not a taxonomy: {error}") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise SystemExit(f"{path}: {error.strerror}") from None


def tag_all(
    tagger: Tagger,
    texts: Sequence[str],
    taxonomy: Sequence[Topic],
    *,
    batch: int = BATCH,
    threads: int = 1,
) -> list[Tags]:
    """Tags for every text, in batches, `threads` batches at a time."""
    batches = [texts[start : start + batch] for start in range(0, len(texts), batch)]
    with ThreadPoolExecutor(threads) as pool:
        tagged = pool.map(lambda some: _waiting_for_the_model(tagger, some, taxonomy), batches)
        return [tags for some in tagged for tags in some]


def _waiting_for_the_model(
    tagger: Tagger, texts: Sequence[str], taxonomy: Sequence[Topic]
) -> list[Tags]:
    """Tags for the texts; over the model's rate limit, the same again after a pause (doubling
    to 30 s), as the service's consumer loop tries a rate-limited feedback again."""
    pause = 1.0
    while True:
        try:
            return tagger.tag(texts, taxonomy=taxonomy)
        except TaggerBusy:
            time.sleep(pause)
            pause = min(pause * 2, 30.0)


def chosen_tagger(name: str) -> tuple[Tagger, int, int]:
    """The tagger, its batch size and how many batches run at once."""
    if name == "offline":
        return OfflineTagger(), BATCH, 1  # one thread: the figure is per core
    settings = TaggerSettings()
    if settings.openai_api_key is None:
        raise SystemExit(
            "--tagger llm needs OPENAI_API_KEY "
            "(and OPENAI_BASE_URL for a server other than OpenAI's)"
        )
    return tagger_for(settings), 1, settings.tagger_threads  # one call a feedback


def main(argv: Sequence[str] | None = None) -> None:
    """Run the evaluation and print its JSON as the last line."""
    parser = argparse.ArgumentParser(prog="python -m insights.evaluate", description=__doc__)
    parser.add_argument("--taxonomy", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--predictions", type=Path)
    parser.add_argument("--tagger", choices=("offline", "llm"), default="offline")
    args = parser.parse_args(argv)
    # WordLlama sets the root logger to INFO when imported, which prints a line per LLM call.
    logging.getLogger().setLevel(logging.WARNING)
    taxonomy = read_taxonomy(args.taxonomy)
    rows = read_rows(args.data)
    unknown = {t for row in rows for t in row.topics} - {t.label for t in taxonomy}
    if unknown:  # a typo in a label would quietly score as a topic never found
        print(
            f"labels not in the taxonomy, left out of the scores: {sorted(unknown)}",
            file=sys.stderr,
        )
    tagger, batch, threads = chosen_tagger(args.tagger)
    started = time.perf_counter()
    tags = tag_all(tagger, [r.text for r in rows], taxonomy, batch=batch, threads=threads)
    elapsed = time.perf_counter() - started
    if args.predictions:
        with args.predictions.open("w", encoding="utf-8") as out:
            for row, tagged in zip(rows, tags, strict=True):
                line = {
                    "text": row.text,
                    "topics": list(tagged.topics),
                    "sentiment": tagged.sentiment,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    result = score(rows, tags, [t.label for t in taxonomy])
    result |= {
        "rows": len(rows),
        "rows_per_s": round(len(rows) / elapsed, 1),
        "tagger": tagger.name,
        # Which tagger answered each row: the LLM tagger's fallback tags what it could not.
        "tagged_by": dict(Counter(tagged.tagger for tagged in tags)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
