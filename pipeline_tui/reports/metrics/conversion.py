"""Stage-to-stage conversion and funnel leakage for the deals created in the window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts
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
    facts = deal_facts(pipeline, timelines, now)
    names, lost_stage = facts.stages.open_order, facts.stages.lost
    records, furthest_of = facts.records, facts.furthest
    # deals by furthest index first: each index's counts then follow in one sweep
    deals_at = [0] * (len(names) + 1)
    lost = [0] * len(names)
    for i in facts.created_in(window):
        furthest = furthest_of[i]
        if furthest < 0:
            continue
        deals_at[min(furthest, len(names))] += 1
        if furthest < len(names) and records[i].stage == lost_stage:
            lost[furthest] += 1
    reached = [sum(deals_at[index:]) for index in range(len(names))]
    advanced = [sum(deals_at[index + 1 :]) for index in range(len(names))]
    return {
        name: {
            "reached": reached[i],
            "advanced": advanced[i],
            "lost": lost[i],
            "rate": ratio(advanced[i], reached[i]),
        }
        for i, name in enumerate(names)
    }
