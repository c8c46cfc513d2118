"""One offline tagger for the insights tests (loading WordLlama takes a moment)."""

from __future__ import annotations

import pytest

from insights.offline import OfflineTagger


@pytest.fixture(scope="session")
def offline_tagger() -> OfflineTagger:
    return OfflineTagger()
