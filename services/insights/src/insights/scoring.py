"""How well tags match labelled feedback: multi-label F1 over the taxonomy, sentiment accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from insights.tagging import Tags


@dataclass(frozen=True)
class Labelled:
    """One labelled row: the text, its topic labels and its sentiment."""

    text: str
    topics: frozenset[str]
    sentiment: str | None


def _f1(tp: int, fp: int, fn: int) -> float:
    # As scikit-learn's default: a label never predicted and never true scores 0.
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(
    rows: Sequence[Labelled], tags: Sequence[Tags], labels: Sequence[str]
) -> dict[str, object]:
    """Macro and micro F1 over `labels`, per-label F1, and sentiment accuracy on non-mixed rows."""
    counts = {label: [0, 0, 0] for label in labels}
    for row, tagged in zip(rows, tags, strict=True):
        predicted = set(tagged.topics)
        for label, c in counts.items():
            c[0] += label in predicted and label in row.topics
            c[1] += label in predicted and label not in row.topics
            c[2] += label not in predicted and label in row.topics
    per_label = {label: round(_f1(*c), 4) for label, c in counts.items()}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    judged = [(r, t) for r, t in zip(rows, tags, strict=True) if r.sentiment not in (None, "mixed")]
    right = sum(r.sentiment == t.sentiment for r, t in judged)
    return {
        "macro_f1": round(sum(per_label.values()) / len(labels), 4) if labels else 0.0,
        "micro_f1": round(_f1(*total), 4),
        "sentiment_accuracy": round(right / len(judged), 4) if judged else None,
        "f1_per_label": per_label,
    }
