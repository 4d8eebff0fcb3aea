"""Stale (rotting) deals: the escalation list, each naming its owner and the owner's manager."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.metrics.lifecycle import Timelines, stays
from pipeline_tui.metrics.window import Window
from pipeline_tui.model import Opportunity, Pipeline
from pipeline_tui.timeline import SECONDS_PER_DAY

#: Stable reason codes (JSON); front ends translate them for people.
OVER_STAGE_LIMIT = "over_stage_limit"
NEXT_STEP_OVERDUE = "next_step_overdue"
NO_ACTIVITY = "no_activity"


def stale_items(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> list[dict[str, Any]]:
    """One row per (open deal, reason) it is stale for, longest first.

    Reasons: the current stay in the stage is longer than the stage's
    ``max_days``; the next step's due date is before today; nothing happened
    for more than ``stale_after_days`` (the last activity, stage change or
    creation, whichever is latest).  ``days`` is how long for each reason:
    days in stage, days overdue, days idle.  The window does not apply:
    staleness is about now.
    """
    config = pipeline.config
    items: list[dict[str, Any]] = []
    for record in pipeline.opportunities:
        if not pipeline.is_open(record) or record.created > now:
            continue
        current = stays(record, timelines, now)[-1]

        def add(reason: str, days: float, record: Opportunity = record) -> None:
            items.append(
                {
                    "id": record.id,
                    "owner": record.owner,
                    "manager": config.manager_of(record.owner),
                    "reason": reason,
                    "days": days,
                }
            )

        limit = config.stage(record.stage).max_days
        in_stage = current.days(now)
        if limit is not None and in_stage > limit:
            add(OVER_STAGE_LIMIT, in_stage)
        due = record.next_step.due if record.next_step else None
        if due is not None and due < now.date():
            add(NEXT_STEP_OVERDUE, float((now.date() - due).days))
        last = max([a.at for a in record.activities if a.at <= now] + [current.entered])
        idle = (now - max(last, record.created)).total_seconds() / SECONDS_PER_DAY
        if idle > config.stale_after_days:
            add(NO_ACTIVITY, idle)
    items.sort(key=lambda item: (-item["days"], item["id"], item["reason"]))
    return items
