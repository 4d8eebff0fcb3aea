"""Small, explicit statistics: the report's numbers must match the documented formulas."""

from __future__ import annotations

import math
from collections.abc import Sequence


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``, or None when undefined (nothing to divide by), never a crash."""
    return part / whole if whole else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``share`` of samples at or below.

    Chosen over interpolation because the answer is always a real observed
    duration, which is easier to explain in a weekly review.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
