"""Lead-to-opportunity conversion: how many new leads become real opportunities."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED, Timelines, deal_facts
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window

#: A tag ``campaign:NAME`` names the marketing campaign a lead came from.
CAMPAIGN_PREFIX = "campaign:"


def lead_conversion(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """Of the deals created in the window, the share qualified by ``now`` (METRICS.md).

    A lead is qualified once it left the entry stage for a later open stage,
    or was won (a deal that skipped stages still passed them).  A lead lost
    straight from the entry stage, or still there, is not.  Cut by source
    and by campaign (tags ``campaign:NAME``).
    """
    facts = deal_facts(pipeline, timelines, now)
    records, furthest = facts.records, facts.furthest
    total = [0, 0]
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_campaign: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in facts.created_in(window):
        record = records[i]
        qualified = int(furthest[i] >= 1)  # left the entry stage for a later one, or won
        total[0] += 1
        total[1] += qualified
        counts = by_source[record.source or UNASSIGNED]
        counts[0] += 1
        counts[1] += qualified
        if record.tags:
            for campaign in _campaigns(record):
                by_campaign[campaign][0] += 1
                by_campaign[campaign][1] += qualified
    return {
        "leads": total[0],
        "qualified": total[1],
        "rate": ratio(total[1], total[0]),
        "by_source": _rows(by_source, "source"),
        "by_campaign": _rows(by_campaign, "campaign"),
    }


def _campaigns(record: Opportunity) -> list[str]:
    return [t[len(CAMPAIGN_PREFIX) :] for t in record.tags if t.startswith(CAMPAIGN_PREFIX)]


def _rows(groups: dict[str, list[int]], key: str) -> list[dict[str, Any]]:
    return [
        {key: name, "leads": leads, "qualified": qualified, "rate": ratio(qualified, leads)}
        for name, (leads, qualified) in sorted(groups.items())
    ]
