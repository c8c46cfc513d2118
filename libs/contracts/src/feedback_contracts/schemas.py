"""Export every event's JSON Schema, or check the committed ones for drift."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from feedback_contracts.events import EVENT_TYPES

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render() -> dict[str, str]:
    """File name -> JSON Schema text for every event type."""
    rendered = {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        schema = model.model_json_schema()
        schema["$id"] = f"urn:feedback-intelligence:event:{event_type}"
        schema["x-topic"] = model.TOPIC
        rendered[f"{event_type}.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return rendered


def drift(directory: Path = DEFAULT_DIR) -> list[str]:
    """Names of schema files that are missing, stale or no longer produced."""
    expected = render()
    present = {path.name for path in directory.glob("*.json")}
    stale = [
        name
        for name, text in expected.items()
        if name not in present or (directory / name).read_text() != text
    ]
    return sorted(stale + list(present - expected.keys()))


def write(directory: Path = DEFAULT_DIR) -> None:
    """Replace the committed schemas with freshly rendered ones."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    for name, text in render().items():
        (directory / name).write_text(text)


def main() -> int:
    """`--check` exits 1 listing drifted files; otherwise rewrites the schemas."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    if not args.check:
        write(args.dir)
        return 0
    drifted = drift(args.dir)
    for name in drifted:
        print(f"schema drift: {name} (run `make schemas` and commit)", file=sys.stderr)
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
