"""A business's taxonomy: the topics its feedback is tagged with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter


class Topic(BaseModel):
    """One topic as the business defines it: a label and a one-line description."""

    model_config = ConfigDict(frozen=True)

    label: str = Field(min_length=1, max_length=80)
    # A topic may have no description (null in persistence's API and in exported files).
    description: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = Field(
        default="", max_length=500
    )
    active: bool = True


_TOPICS = TypeAdapter(list[Topic])


def load_taxonomy(path: Path) -> list[Topic]:
    """Read a taxonomy file: a JSON list of `{"label", "description"}` objects, or what
    persistence's `GET /topics` answers (`{"version", "topics": [...]}`)."""
    loaded = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(loaded, dict) and "topics" in loaded:
        loaded = loaded["topics"]
    return _TOPICS.validate_python(loaded)
