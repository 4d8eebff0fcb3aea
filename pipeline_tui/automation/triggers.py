"""When a rule fires: events (a write changed a deal) and episodes of time.

An event trigger compares the deal before and after one write.  A time
trigger names the *episode* a deal is in, or None: the key is what makes the
condition true this time (the next step's due date and action, the instant
of the last follow-up, the expected close date), so a rule fires once per
deal per episode and again only when a new episode starts (the deal was
followed up, then went quiet again).  The engine records the key it acted on
in the deal file, so every clone knows it after a sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pipeline_tui.automation.rules import Trigger
from pipeline_tui.automation.workdays import WorkCalendar
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, get_dotted, jsonable


def event_fires(
    trigger: Trigger,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    config: PipelineConfig,
) -> bool:
    """Whether the write that turned ``before`` (None: a new deal) into ``after`` fires it."""
    old_stage = None if before is None else before.get("stage")
    new_stage = after.get("stage")
    if trigger.kind == "created":
        return before is None
    if trigger.kind == "entered":
        if new_stage != trigger.stage or old_stage == new_stage:
            return False
        return trigger.from_stage is None or old_stage == trigger.from_stage
    if trigger.kind == "closed":
        if old_stage == new_stage:
            return False
        wanted = {
            "won": {config.won_stage},
            "lost": {config.lost_stage},
            "any": {config.won_stage, config.lost_stage},
        }[trigger.outcome or "any"]
        return bool(new_stage in wanted)
    if trigger.kind == "changed" and trigger.field is not None and before is not None:
        old = jsonable(get_dotted(before, trigger.field))
        return bool(old != jsonable(get_dotted(after, trigger.field)))
    return False


def episode(
    trigger: Trigger,
    record: Opportunity,
    stage_entered: datetime | None,
    config: PipelineConfig,
    calendar: WorkCalendar,
    now: datetime,
) -> str | None:
    """The key of the episode that makes a time trigger true for an open deal, or None."""
    today = now.date()
    if trigger.kind == "next_step_overdue":
        step = record.next_step
        if step is None or step.due is None:
            return None
        late = _passed(step.due, today, trigger, calendar)
        return f"{step.due.isoformat()} {step.action or ''}".strip() if late else None
    if trigger.kind == "no_activity":
        last = last_follow_up(record, stage_entered, now)
        return last.isoformat() if _passed(last.date(), today, trigger, calendar) else None
    if trigger.kind == "first_contact_sla":
        hours = trigger.hours if trigger.hours is not None else config.first_contact_sla_hours
        contacted = record.activities or record.stage != config.entry_stage.name
        late = now >= record.created + timedelta(hours=hours)
        return record.created.isoformat() if late and not contacted else None
    if trigger.kind == "before_close":
        close = record.expected_close
        if close is None or close < today:
            return None
        if trigger.working:
            left = calendar.working_days_between(today, close)
        else:
            left = (close - today).days
        return close.isoformat() if left <= trigger.days else None
    return None


def last_follow_up(record: Opportunity, stage_entered: datetime | None, now: datetime) -> datetime:
    """The latest effective follow-up: an activity, the last stage change, or creation."""
    moments = [a.at for a in record.activities if a.at <= now]
    moments.append(record.created)
    if stage_entered is not None:
        moments.append(stage_entered)
    return max(moments)


def _passed(start: date, today: date, trigger: Trigger, calendar: WorkCalendar) -> bool:
    """Whether ``trigger.days`` (working) days have passed since ``start`` (at least one)."""
    wanted = max(trigger.days, 1)
    if trigger.working:
        return calendar.working_days_between(start, today, at_least=wanted) >= wanted
    return (today - start).days >= wanted
