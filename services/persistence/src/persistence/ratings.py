"""The customers' 1-5 ratings: the average and the distribution overall, per product and per
topic, and the weekly average, from the tagged rows the owner's filters match."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from persistence.insights import Tagged, monday, topics_of

SCALE = range(1, 6)


@dataclass(frozen=True)
class RatingCount:
    """How many rated, their average (null: none rated) and how many gave each of 1-5."""

    name: str
    rated: int
    average: float | None
    distribution: dict[str, int]


@dataclass(frozen=True)
class RatingWeek:
    """The average rating of a week (Monday first); null when nobody rated that week."""

    week: str
    rated: int
    average: float | None


@dataclass(frozen=True)
class Ratings:
    """Everything the owner's rating charts show."""

    overall: RatingCount
    products: list[RatingCount]
    topics: list[RatingCount]
    weekly: list[RatingWeek]


def _count(name: str, ratings: Counter[int]) -> RatingCount:
    rated = sum(ratings.values())
    total = sum(value * n for value, n in ratings.items())
    average = round(total / rated, 2) if rated else None
    return RatingCount(name, rated, average, {str(v): ratings[v] for v in SCALE})


Rated = Sequence[tuple[Tagged, int]]  # a row and its rating


def _grouped(rated: Rated, names: Callable[[Tagged], Iterable[str]]) -> list[RatingCount]:
    groups: dict[str, Counter[int]] = defaultdict(Counter)
    for row, rating in rated:
        for name in names(row):
            groups[name][rating] += 1
    counts = [_count(name, ratings) for name, ratings in groups.items()]
    return sorted(counts, key=lambda c: (-c.rated, c.name))


def rating_summary(rows: Iterable[Tagged], *, weeks: int, today: date) -> Ratings:
    """The rated rows' figures; rows without a rating are left out of all of them."""
    rated = [(row, row.rating) for row in rows if row.rating is not None]
    first = monday(today) - timedelta(weeks=weeks - 1)
    by_week = {first + timedelta(weeks=n): Counter[int]() for n in range(weeks)}
    for row, rating in rated:
        if (week := monday(row.created_at.date())) in by_week:
            by_week[week][rating] += 1
    weekly = [_count(week.isoformat(), ratings) for week, ratings in by_week.items()]
    return Ratings(
        overall=_count("all", Counter(rating for _, rating in rated)),
        products=_grouped(rated, lambda row: [row.product]),
        topics=_grouped(rated, topics_of),
        weekly=[RatingWeek(w.name, w.rated, w.average) for w in weekly],
    )
