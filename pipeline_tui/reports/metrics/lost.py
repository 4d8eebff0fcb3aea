"""Indicator 5, lost-reason analysis: why deals are lost, what it cost, and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED, Timelines, deal_facts, lost_from
from pipeline_tui.reports.metrics.window import Window


def lost_reasons(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per lost reason, over deals lost in the window: count, amount, and the stage lost from.

    The stage lost from is the stage the deal was in just before it was
    lost.  Reasons are ordered by count, largest first.
    """
    rows: dict[str, dict[str, Any]] = {}
    facts = deal_facts(pipeline, timelines, now)
    stages = facts.stages
    for closed in facts.closed:
        if closed.won or not window.contains(closed.at):
            continue
        row = rows.setdefault(
            closed.record.lost_reason or UNASSIGNED, {"count": 0, "amount": 0.0, "by_stage": {}}
        )
        row["count"] += 1
        row["amount"] += closed.record.amount or 0.0
        stage = lost_from(closed.history, stages)
        row["by_stage"][stage] = row["by_stage"].get(stage, 0) + 1
    order = sorted(rows, key=lambda reason: (-rows[reason]["count"], reason))
    return {reason: rows[reason] for reason in order}
