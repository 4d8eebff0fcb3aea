"""Indicator 1, source conversion rate: which lead sources turn into wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED, Timelines, deal_facts
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
        found = rows.get(source or UNASSIGNED)
        if found is None:
            found = rows[source or UNASSIGNED] = {"created": 0, "won": 0, "lost": 0}
        return found

    facts = deal_facts(pipeline, timelines, now)
    records = facts.records
    for i in facts.created_in(window):
        row(records[i].source)["created"] += 1
    for closed in facts.closed:
        if window.contains(closed.at):
            row(closed.record.source)["won" if closed.won else "lost"] += 1
    for values in rows.values():
        values["rate"] = ratio(values["won"], values["won"] + values["lost"])
    return rows
