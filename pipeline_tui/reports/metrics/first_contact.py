"""Indicator 2, first follow-up timeliness: how fast a new deal gets its first touch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import StageInterval
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts
from pipeline_tui.reports.metrics.stats import median, ratio
from pipeline_tui.reports.metrics.window import Window

SECONDS_PER_HOUR = 3600.0


def first_contact(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """Share of deals created in the window first contacted within the SLA, and median hours.

    A deal not yet contacted counts as a miss once the SLA has run out; before
    that it is still pending and left out of the share (it may yet make it).
    """
    sla = pipeline.config.first_contact_sla_hours
    facts = deal_facts(pipeline, timelines, now)
    entry, records, histories = facts.stages.entry, facts.records, facts.histories
    hours: list[float] = []
    judged = met = 0
    for i in facts.created_in(window):
        record = records[i]
        contact = first_contact_at(record, histories[i], entry, now)
        if contact is None:
            if (now - record.created).total_seconds() / SECONDS_PER_HOUR > sla:
                judged += 1
            continue
        elapsed = max(0.0, (contact - record.created).total_seconds() / SECONDS_PER_HOUR)
        hours.append(elapsed)
        judged += 1
        met += elapsed <= sla
    return {"sla_hours": sla, "within_sla": ratio(met, judged), "median_hours": median(hours)}


def first_contact_at(
    record: Opportunity,
    history: tuple[StageInterval, ...],
    entry_stage: str,
    now: datetime,
) -> datetime | None:
    """The earliest of: the first activity, the first move out of the entry stage.

    A deal created directly in a later stage was qualified by whoever created
    it, so its creation is its first contact.
    """
    first = history[0]
    earliest = first.entered if first.stage != entry_stage else first.left
    for activity in record.activities:
        if activity.at <= now and (earliest is None or activity.at < earliest):
            earliest = activity.at
    return earliest
