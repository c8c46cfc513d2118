"""A business's taxonomy: the topics its feedback is tagged with."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Topic(BaseModel):
    """One topic as the business defines it: a label and a one-line description."""

    model_config = ConfigDict(frozen=True)

    label: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)
    active: bool = True


_TOPICS = TypeAdapter(list[Topic])


def load_taxonomy(path: Path) -> list[Topic]:
    """Read a taxonomy file: a JSON list of `{"label", "description"}` objects."""
    return _TOPICS.validate_python(json.loads(path.read_text(encoding="utf-8-sig")))
