"""Stale (rotting) deals: the escalation list, each naming its owner and the owner's manager."""

from __future__ import annotations

from datetime import date, datetime
from operator import itemgetter
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import SECONDS_PER_DAY
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
    return stale_rows(stale_facts(pipeline, timelines, now), pipeline.config, now)


#: What staleness needs of one open deal: id, owner, the owner's manager, stage,
#: when its current stay began and ended (None: it goes on), its next step's due
#: date, and its last touch (latest of creation, the stay's start and the
#: activities up to ``now``).  Once ``now`` is past every event the deal has,
#: these no longer change with the clock (a kept report keeps them:
#: :mod:`pipeline_tui.reports.kept`); the days are counted by :func:`stale_rows`.
StaleFact = tuple[
    str, str | None, str | None, str, datetime, datetime | None, date | None, datetime
]


def stale_facts(pipeline: Pipeline, timelines: Timelines, now: datetime) -> list[StaleFact]:
    """The :data:`StaleFact` of each open deal created by ``now``, in file order (do not modify).

    Kept with the report's shared facts, so a kept report reuses the list's.
    """
    config = pipeline.config
    facts = deal_facts(pipeline, timelines, now)
    known: list[StaleFact] | None = facts.derived.get(_DERIVED)
    if known is not None:
        return known
    records, histories = facts.records, facts.histories
    managers: dict[str | None, str | None] = {}  # owner -> manager: a few owners, 100,000 rows
    found: list[StaleFact] = []
    for i in facts.open_positions:
        record = records[i]
        created = record.created
        if created > now:
            continue
        current = histories[i][-1]
        last = current.entered
        for activity in record.activities:
            if last < activity.at <= now:
                last = activity.at
        owner = record.owner
        manager = managers.get(owner, _UNKNOWN)
        if manager is _UNKNOWN:
            manager = managers[owner] = config.manager_of(owner)
        step = record.next_step
        found.append(
            (
                record.id,
                owner,
                manager,
                record.stage,
                current.entered,
                current.left,
                step.due if step else None,
                last if last > created else created,
            )
        )
    facts.derived[_DERIVED] = found
    return found


_DERIVED = "stale facts"


def stale_rows(
    facts: list[StaleFact], config: PipelineConfig, now: datetime, digits: int | None = None
) -> list[dict[str, Any]]:
    """The rows of :func:`stale_items` from the deals' facts, the days counted at ``now``.

    ``digits``: the days rounded to that many places once sorted, as
    :func:`~pipeline_tui.reports.build.rounded` rounds a computed list (the
    only float in a row), without its generic walk over 100,000 rows.
    """
    limits = Stages.of(config).max_days
    after = config.stale_after_days
    today = now.date()
    items: list[dict[str, Any]] = []
    for opp_id, owner, manager, stage, entered, left, due, touched in facts:
        limit = limits.get(stage)
        in_stage = max(
            0.0, ((left if left is not None else now) - entered).total_seconds() / SECONDS_PER_DAY
        )
        if limit is not None and in_stage > limit:
            reason, days = OVER_STAGE_LIMIT, in_stage
        elif due is not None and due < today:
            reason, days = NEXT_STEP_OVERDUE, float((today - due).days)
        else:
            idle = (now - touched).total_seconds() / SECONDS_PER_DAY
            if not idle > after:
                continue
            reason, days = NO_ACTIVITY, idle
        items.append(
            {"id": opp_id, "owner": owner, "manager": manager, "reason": reason, "days": days}
        )
    # longest first, then by id: two sorts on plain keys (stable) beat one on built tuples
    items.sort(key=itemgetter("id"))
    items.sort(key=itemgetter("days"), reverse=True)
    if digits is not None:  # after the sort, which orders by the days as counted
        for item in items:
            item["days"] = round(item["days"], digits)
    return items


#: Not yet looked up (``None`` is a real answer: no manager).
_UNKNOWN: Any = object()
