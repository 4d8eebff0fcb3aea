"""The headline numbers: open pipeline, wins and losses, win rate, cycle length, velocity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import SECONDS_PER_DAY
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts
from pipeline_tui.reports.metrics.stats import mean, median, ratio
from pipeline_tui.reports.metrics.window import Window


def summary(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """Open deals now; won/lost, win rate and cycle over deals closed in the window.

    Velocity = open × win rate × average won amount ÷ median cycle days, the
    expected amount closed per day; None whenever any factor is undefined.
    """
    facts = deal_facts(pipeline, timelines, now)
    still_open = [facts.records[i] for i in facts.open_positions]
    closed = [c for c in facts.closed if window.contains(c.at)]
    won = [c for c in closed if c.won]
    lost = [c for c in closed if not c.won]
    win_rate = ratio(len(won), len(closed))
    avg_won = mean([c.record.amount for c in won if c.record.amount is not None])
    cycle = median(
        [max(0.0, (c.at - c.record.created).total_seconds() / SECONDS_PER_DAY) for c in won]
    )
    velocity = None
    if win_rate is not None and avg_won is not None and cycle:
        velocity = len(still_open) * win_rate * avg_won / cycle
    return {
        "open": len(still_open),
        "open_amount": sum(r.amount or 0.0 for r in still_open),
        "won": len(won),
        "won_amount": sum(c.record.amount or 0.0 for c in won),
        "lost": len(lost),
        "win_rate": win_rate,
        "avg_won_amount": avg_won,
        "cycle_days_median": cycle,
        "velocity_per_day": velocity,
    }
