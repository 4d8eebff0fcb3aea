"""Stage-to-stage conversion and funnel leakage for the deals created in the window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import Stages, Timelines, furthest_open_index, stays
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window


def stage_conversion(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per open stage S: deals that reached S, reached the stage after it, or were lost at S.

    A cohort view: the deals created in the window, followed up to ``now``.
    Reaching a later stage counts as passing every earlier one (a skipped
    stage is not a leak), a won deal passed them all, and a lost deal is
    lost at the furthest stage it reached, so for every stage
    ``reached = advanced + lost + still open there``.  ``rate`` is
    advanced ÷ reached.
    """
    stages = Stages.of(pipeline.config)
    names = stages.open_order
    reached = [0] * len(names)
    advanced = [0] * len(names)
    lost = [0] * len(names)
    for record in pipeline.opportunities:
        if record.created > now or not window.contains(record.created):
            continue
        furthest = furthest_open_index(record, stays(record, timelines, now), stages)
        for index in range(min(furthest + 1, len(names))):
            reached[index] += 1
            if furthest > index:
                advanced[index] += 1
        if record.stage == stages.lost and 0 <= furthest < len(names):
            lost[furthest] += 1
    return {
        name: {
            "reached": reached[i],
            "advanced": advanced[i],
            "lost": lost[i],
            "rate": ratio(advanced[i], reached[i]),
        }
        for i, name in enumerate(names)
    }
