"""What an attempt's answer means for the delivery: delivered, retried when, or final."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.attempts import Answer, RetryPolicy, outcome, retry_after_s

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_s=5, max_s=900)
DAY = NOW + timedelta(hours=24)


def after(answer: Answer, attempts: int = 1, until: datetime = DAY) -> tuple[str, float | None]:
    done = outcome(answer, attempts=attempts, now=NOW, retry_until=until, policy=POLICY, draw=0.5)
    wait = (done.next_at - NOW).total_seconds() if done.next_at else None
    return done.state, wait


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered(status: int) -> None:
    assert after(Answer(status=status)) == ("delivered", None)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 301, 302])
def test_any_other_4xx_or_a_redirect_is_final(status: int) -> None:
    state, _ = after(Answer(status=status))
    assert state == "failed"


@pytest.mark.parametrize(
    "answer",
    [Answer(status=500), Answer(status=503), Answer(status=408), Answer(status=429),
     Answer(error="timed out"), Answer(error="connection failed (ConnectError)")],
)  # fmt: skip
def test_timeouts_connection_errors_5xx_and_429_are_retried(answer: Answer) -> None:
    assert after(answer) == ("pending", 5.0)


def test_the_wait_doubles_up_to_the_longest() -> None:
    assert [after(Answer(status=503), attempts=n)[1] for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert after(Answer(status=503), attempts=30)[1] == 900


def test_retry_after_is_honoured_in_seconds_or_as_a_date() -> None:
    assert after(Answer(status=429, retry_after="120")) == ("pending", 120.0)
    date = "Mon, 07 Dec 2026 12:05:00 GMT"
    assert retry_after_s(date, NOW) == 300.0
    assert after(Answer(status=503, retry_after=date)) == ("pending", 300.0)
    assert after(Answer(status=429, retry_after="soon")) == ("pending", 5.0)  # unreadable


def test_it_gives_up_once_the_next_try_would_fall_after_the_window() -> None:
    state, _ = after(Answer(status=503), attempts=3, until=NOW + timedelta(seconds=10))
    assert state == "failed"
