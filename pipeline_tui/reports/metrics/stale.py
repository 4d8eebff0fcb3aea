"""Stale (rotting) deals: the escalation list, each naming its owner and the owner's manager."""

from __future__ import annotations

from datetime import date, datetime
from operator import itemgetter
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import SECONDS_PER_DAY, StageInterval
from pipeline_tui.reports.metrics.lifecycle import Stages, Timelines, deal_facts
from pipeline_tui.reports.metrics.window import Window

#: Stable reason codes (JSON); front ends translate them for people.
OVER_STAGE_LIMIT = "over_stage_limit"
NEXT_STEP_OVERDUE = "next_step_overdue"
NO_ACTIVITY = "no_activity"


def stale_items(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> list[dict[str, Any]]:
    """One row per stale open deal, longest first: the escalation list.

    A deal is stale when its current stay in the stage is longer than the
    stage's ``max_days``, its next step's due date is before today, or
    nothing happened for more than ``stale_after_days`` (the last activity,
    stage change or creation, whichever is latest).  When several apply, the
    row gives the first in that order (the one a manager acts on first) and
    ``days`` measures it: days in stage, days overdue or days idle.  The
    window does not apply: staleness is about now.
    """
    config = pipeline.config
    facts = deal_facts(pipeline, timelines, now)
    stages, records, histories = facts.stages, facts.records, facts.histories
    items: list[dict[str, Any]] = []
    today = now.date()
    managers: dict[str | None, str | None] = {}  # owner -> manager: a few owners, 100,000 rows
    for i in facts.open_positions:
        record = records[i]
        if record.created > now:
            continue
        found = _why_stale(record, histories[i][-1], stages, config, now, today)
        if found is not None:
            owner = record.owner
            manager = managers.get(owner, _UNKNOWN)
            if manager is _UNKNOWN:
                manager = managers[owner] = config.manager_of(owner)
            items.append(
                {
                    "id": record.id,
                    "owner": owner,
                    "manager": manager,
                    "reason": found[0],
                    "days": found[1],
                }
            )
    # longest first, then by id: two sorts on plain keys (stable) beat one on built tuples
    items.sort(key=itemgetter("id"))
    items.sort(key=itemgetter("days"), reverse=True)
    return items


#: Not yet looked up (``None`` is a real answer: no manager).
_UNKNOWN: Any = object()


def _why_stale(
    record: Opportunity,
    current: StageInterval,
    stages: Stages,
    config: PipelineConfig,
    now: datetime,
    today: date,
) -> tuple[str, float] | None:
    limit = stages.max_days.get(record.stage)
    left = current.left  # current.days(now), inline: called for every open deal
    in_stage = max(
        0.0,
        ((left if left is not None else now) - current.entered).total_seconds() / SECONDS_PER_DAY,
    )
    if limit is not None and in_stage > limit:
        return OVER_STAGE_LIMIT, in_stage
    due = record.next_step.due if record.next_step else None
    if due is not None and due < today:
        return NEXT_STEP_OVERDUE, float((today - due).days)
    last = current.entered
    for activity in record.activities:
        if last < activity.at <= now:
            last = activity.at
    idle = (now - max(last, record.created)).total_seconds() / SECONDS_PER_DAY
    if idle > config.stale_after_days:
        return NO_ACTIVITY, idle
    return None
