"""Indicator 1, source conversion rate: which lead sources turn into wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED, Timelines, closed_deals
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window


def source_conversion(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per source: deals created in the window, won and lost in it, and won ÷ closed.

    Configured sources are always listed (with zeros) so a source that brings
    nothing is visible; a deal without a source counts under ``(none)``.
    """
    rows: dict[str, dict[str, Any]] = {
        s: {"created": 0, "won": 0, "lost": 0} for s in pipeline.config.sources
    }

    def row(source: str | None) -> dict[str, Any]:
        return rows.setdefault(source or UNASSIGNED, {"created": 0, "won": 0, "lost": 0})

    for record in pipeline.opportunities:
        if record.created <= now and window.contains(record.created):
            row(record.source)["created"] += 1
    for closed in closed_deals(pipeline, timelines, now):
        if window.contains(closed.at):
            row(closed.record.source)["won" if closed.won else "lost"] += 1
    for values in rows.values():
        values["rate"] = ratio(values["won"], values["won"] + values["lost"])
    return rows
