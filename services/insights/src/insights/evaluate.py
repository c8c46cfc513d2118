"""Tag labelled feedback with a taxonomy and print how well the tags match, as JSON.

python -m insights.evaluate --taxonomy T.json --data D.jsonl [--predictions OUT.jsonl]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from insights.offline import OfflineTagger
from insights.scoring import Labelled, score
from insights.tagging import Tagger, Tags
from insights.taxonomy import Topic, load_taxonomy

BATCH = 256


def read_rows(path: Path) -> list[Labelled]:
    """The JSON lines of a data file: `text`, `topics` and `sentiment` each."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if not isinstance(item.get("text"), str):
            raise SystemExit(f"{path}:{n}: every line needs a string 'text'")
        rows.append(
            Labelled(item["text"], frozenset(item.get("topics") or ()), item.get("sentiment"))
        )
    return rows


def tag_all(tagger: Tagger, texts: Sequence[str], taxonomy: Sequence[Topic]) -> list[Tags]:
    """Tags for every text, in batches."""
    return [
        tagged
        for start in range(0, len(texts), BATCH)
        for tagged in tagger.tag(texts[start : start + BATCH], taxonomy=taxonomy)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the evaluation and print its JSON as the last line."""
    parser = argparse.ArgumentParser(prog="python -m insights.evaluate", description=__doc__)
    parser.add_argument("--taxonomy", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--predictions", type=Path)
    args = parser.parse_args(argv)
    taxonomy = [t for t in load_taxonomy(args.taxonomy) if t.active]
    rows = read_rows(args.data)
    tagger = OfflineTagger()
    started = time.perf_counter()
    tags = tag_all(tagger, [r.text for r in rows], taxonomy)
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
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
