"""Indicator 3, stage cycle time: how many days deals spend in each stage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import SECONDS_PER_DAY
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts
from pipeline_tui.reports.metrics.stats import mean, median, percentile
from pipeline_tui.reports.metrics.window import Window


def stage_cycle(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per open stage: median, mean and p90 days over finished stays, plus how many sit there now.

    A stay is finished when the deal left the stage; it belongs to the window
    in which it ended and counts in full, even when it began before the window
    (a window cutting a stay does not shorten it).  A deal that was moved back
    and stayed in a stage twice contributes one sample: the sum of its
    finished stays there that ended in the window.
    """
    facts = deal_facts(pipeline, timelines, now)
    open_names = facts.stages.open_order
    samples: dict[str, list[float]] = {name: [] for name in open_names}
    current: dict[str, int] = dict.fromkeys(open_names, 0)
    for record in facts.records:
        if record.stage in current:
            current[record.stage] += 1
    everything, contains = window.unbounded, window.contains
    # stay_days(entered, left, now) inline for a finished stay: called for every stay in history
    for history in facts.histories:
        if len(history) == 1:  # one stay: a sample when it is finished
            stay = history[0]
            left = stay.left
            if left is not None and stay.stage in samples and (everything or contains(left)):
                days = max(0.0, (left - stay.entered).total_seconds() / SECONDS_PER_DAY)
                samples[stay.stage].append(days)
            continue
        per_stage: dict[str, float] = {}
        for stay in history:
            left = stay.left
            if left is not None and stay.stage in samples and (everything or contains(left)):
                days = max(0.0, (left - stay.entered).total_seconds() / SECONDS_PER_DAY)
                per_stage[stay.stage] = per_stage.get(stay.stage, 0.0) + days
        for stage, days in per_stage.items():
            samples[stage].append(days)
    return {
        name: {
            "count": len(samples[name]),
            "median_days": median(samples[name]),
            "mean_days": mean(samples[name]),
            "p90_days": percentile(samples[name], 0.9),
            "open_count": current[name],
        }
        for name in open_names
    }
