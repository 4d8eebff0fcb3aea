"""Weighted forecast (Σ amount × probability of open deals) and how accurate it was."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts, owner_key
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window

#: The forecast key for open deals with no expected close date.
UNSCHEDULED = "unscheduled"

GroupBy = Literal["month", "owner"]


def weighted_forecast(
    pipeline: Pipeline,
    timelines: Timelines,
    window: Window,
    now: datetime,
    by: GroupBy = "month",
) -> dict[str, dict[str, Any]]:
    """Open deals grouped by expected close month (``YYYY-MM``) or owner: Σ amount × probability.

    Probability is the deal's own, else its stage's default.  A deal with no
    amount counts in ``count`` but adds nothing.  A window keeps the deals
    expected to close inside it (then unscheduled deals are left out).
    Months sort in order, ``unscheduled`` last.
    """
    rows: dict[str, dict[str, Any]] = {}
    facts = deal_facts(pipeline, timelines, now)
    defaults: dict[str, float] = {}  # stage -> its probability, for deals without their own
    everything = window.unbounded
    for i in facts.open_positions:
        record = facts.records[i]
        if not everything and not _expected_in(record, window):
            continue
        key = month_key(record.expected_close) if by == "month" else owner_key(record)
        row = rows.get(key)
        if row is None:
            row = rows[key] = {"weighted": 0.0, "count": 0}
        probability = record.probability
        if probability is None:
            probability = defaults.get(record.stage)
            if probability is None:
                probability = defaults[record.stage] = pipeline.probability(record)
        row["weighted"] += (record.amount or 0.0) * probability
        row["count"] += 1
    return {key: rows[key] for key in sorted(rows, key=lambda k: (k == UNSCHEDULED, k))}


def forecast_accuracy(
    snapshots: Mapping[str, Pipeline],
    pipeline: Pipeline,
    timelines: Timelines,
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """Per past month: the weighted forecast for it at its first instant vs the amount won in it.

    ``snapshots`` maps ``YYYY-MM`` to the pipeline as it stood when that month
    began (from history).  ``won`` sums today's amounts of the deals that
    were won during the month; ``accuracy`` is won ÷ forecast (1.0 is a
    perfect forecast, None when nothing was forecast).
    """
    won_by_month: dict[str, float] = {}
    for closed in deal_facts(pipeline, timelines, now).closed:
        if closed.won:
            key = month_key(closed.at.date())
            won_by_month[key] = won_by_month.get(key, 0.0) + (closed.record.amount or 0.0)
    result = {}
    for month in sorted(snapshots):
        before = weighted_forecast(snapshots[month], {}, Window(), now).get(month)
        forecast = before["weighted"] if before else 0.0
        won = won_by_month.get(month, 0.0)
        result[month] = {"forecast": forecast, "won": won, "accuracy": ratio(won, forecast)}
    return result


def month_starts(now: datetime, months: int) -> list[tuple[str, datetime]]:
    """The first instants of the ``months`` full months before ``now``'s month, oldest first."""
    year, month = now.year, now.month
    result = []
    for _ in range(months):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        start = now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)
        start = start.replace(microsecond=0)
        result.append((f"{year:04d}-{month:02d}", start))
    return result[::-1]


def month_key(day: date | None) -> str:
    return UNSCHEDULED if day is None else f"{day.year:04d}-{day.month:02d}"


def _expected_in(record: Opportunity, window: Window) -> bool:
    if window.since is None and window.until is None:
        return True
    day = record.expected_close
    if day is None:
        return False
    if window.since is not None and day < window.since.date():
        return False
    return window.until is None or day < window.until.date()
