"""The fault benchmark's arithmetic: when lag is back to steady, and a slope with its interval."""

from __future__ import annotations

import math
import statistics

from common import percentile

SETTLED_SAMPLES = 3  # lag at or under the bar this many samples in a row
LAG_FLOOR = 20  # records: below this, lag is noise whatever the steady state was


def lag_recovery_s(
    samples: list[tuple[float, int]], *, steady: tuple[float, float], event_end: float
) -> float | None:
    """Seconds from the event's end until the lag is back under twice its steady p95 (or
    `LAG_FLOOR`) and stays there; None if it never is."""
    before = [n for t, n in samples if steady[0] <= t < steady[1]]
    bar = max(2 * percentile(before, 0.95), LAG_FLOOR) if before else LAG_FLOOR
    after = [(t, n) for t, n in samples if t >= event_end]
    for index, (t, _) in enumerate(after):
        run = after[index : index + SETTLED_SAMPLES]
        if len(run) == SETTLED_SAMPLES and all(n <= bar for _, n in run):
            return round(t - event_end, 1)
    return None


def slope(x: list[float], y: list[float], *, lags: int = 30) -> dict[str, object]:
    """Least-squares slope of y over x with two 95 % intervals (normal quantile: the soak's
    samples number in the hundreds): `ci95` takes the samples as independent, `ci95_hac`
    (Newey-West, Bartlett weights over `lags` samples: five minutes at one every 10 s) allows
    for their correlation. A process's RSS moves in steps minutes apart, so its samples are not
    independent and `ci95` is too narrow; `zero_inside` is read from `ci95_hac`."""
    if len(x) < 3:
        return {"slope": None, "ci95": None, "ci95_hac": None}
    fit = statistics.linear_regression(x, y)
    mean_x = statistics.fmean(x)
    dx = [v - mean_x for v in x]
    sxx = sum(d * d for d in dx)
    residuals = [b - (fit.slope * a + fit.intercept) for a, b in zip(x, y, strict=True)]
    naive = math.sqrt(sum(r * r for r in residuals) / (len(x) - 2) / sxx) if sxx else 0.0
    scores = [d * r for d, r in zip(dx, residuals, strict=True)]
    spread = sum(u * u for u in scores)
    for lag in range(1, min(lags, len(x) - 1) + 1):
        weight = 1 - lag / (lags + 1)
        spread += 2 * weight * sum(scores[i] * scores[i - lag] for i in range(lag, len(x)))
    hac = math.sqrt(max(spread, 0.0)) / sxx if sxx else 0.0
    low, high = fit.slope - 1.96 * hac, fit.slope + 1.96 * hac
    return {
        "slope": round(fit.slope, 2),
        "ci95": [round(fit.slope - 1.96 * naive, 2), round(fit.slope + 1.96 * naive, 2)],
        "ci95_hac": [round(low, 2), round(high, 2)],
        "zero_inside": low <= 0 <= high,
    }
