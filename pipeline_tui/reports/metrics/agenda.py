"""The agenda: what someone has to do today and in the next days, from the deals as they stand.

Four kinds of item, each naming its deal, account, amount and owner:

* a **next step** due (or overdue): the deal's ``next_step.due``;
* a **first contact** whose SLA clock is running (or has run out): a deal
  still in the entry stage that nobody has touched, due at ``created`` plus
  ``first_contact_sla_hours`` (the definition of
  :func:`~pipeline_tui.reports.metrics.first_contact.first_contact_at`);
* a **stale** deal: the rules of :func:`~pipeline_tui.reports.metrics.stale.stale_items`
  (an overdue next step is already on the list as itself, so only the other
  two reasons are added);
* an open deal with **no next step** (or one without a date).

Stale deals and deals without a next step are today's work; everything
overdue is grouped first.  Pure, like every metric: the caller passes ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.reports.metrics.first_contact import SECONDS_PER_HOUR, first_contact_at
from pipeline_tui.reports.metrics.lifecycle import Stages, Timelines, open_records, stays
from pipeline_tui.reports.metrics.stale import NEXT_STEP_OVERDUE, stale_items
from pipeline_tui.reports.metrics.window import Window

#: Item kinds (stable codes in JSON), in the order a day lists them.
NEXT_STEP = "next_step"
FIRST_CONTACT = "first_contact"
STALE = "stale"
NO_NEXT_STEP = "no_next_step"
KINDS = (NEXT_STEP, FIRST_CONTACT, STALE, NO_NEXT_STEP)

#: Group codes: everything overdue, then one group per day.
OVERDUE = "overdue"
TODAY = "today"
UPCOMING = "upcoming"

#: Days ahead the agenda looks by default (today and the six after it).
DEFAULT_DAYS = 7


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One thing to do about one deal.

    ``detail`` depends on the kind: the next step's action, the stale reason
    code, or nothing.  ``amount_of_time`` is days overdue (next step), hours
    left of the SLA (negative once it ran out), or days stale.
    """

    kind: str
    day: date
    overdue: bool
    id: str
    title: str
    account: str
    stage: str
    amount: float | None
    currency: str | None
    owner: str | None
    detail: str | None = None
    amount_of_time: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "day": self.day.isoformat(),
            "overdue": self.overdue,
            "id": self.id,
            "title": self.title,
            "account": self.account,
            "stage": self.stage,
            "amount": self.amount,
            "currency": self.currency,
            "owner": self.owner,
            "detail": self.detail,
            "amount_of_time": self.amount_of_time,
        }


@dataclass(frozen=True, slots=True)
class AgendaDay:
    """One group of the agenda: ``overdue`` (day None), ``today`` or an ``upcoming`` day."""

    group: str
    day: date | None
    items: tuple[AgendaItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "day": self.day.isoformat() if self.day else None,
            "items": [item.to_json() for item in self.items],
        }


def agenda(
    pipeline: Pipeline,
    timelines: Timelines,
    now: datetime,
    days: int = DEFAULT_DAYS,
    owner: str | None = None,
) -> tuple[AgendaDay, ...]:
    """The agenda of ``owner`` (everyone's when None) for today and ``days - 1`` days after.

    Groups come overdue first, then day by day; a day with nothing is left out.
    """
    if owner is not None:
        mine = tuple(r for r in pipeline.opportunities if r.owner == owner)
        pipeline = replace(pipeline, opportunities=mine)
    today = now.date()
    horizon = today + timedelta(days=max(days, 1))
    items = [item for item in agenda_items(pipeline, timelines, now) if item.day < horizon]
    return group_by_day(items, today)


def agenda_items(pipeline: Pipeline, timelines: Timelines, now: datetime) -> list[AgendaItem]:
    """Every item, unsorted and without a horizon (``agenda`` cuts and groups them)."""
    stages = Stages.of(pipeline.config)
    currency = pipeline.config.currency
    today = now.date()
    records = [r for r in open_records(pipeline, stages) if r.created <= now]
    items = list(_first_contacts(records, timelines, stages.entry, pipeline, now))
    waiting = {item.id for item in items}
    for record in records:
        step = record.next_step
        if step is not None and step.due is not None:
            late = float((today - step.due).days)
            late_days = max(late, 0.0)
            items.append(
                _item(record, NEXT_STEP, step.due, late > 0, step.action, late_days, currency)
            )
        elif record.id not in waiting:
            action = step.action if step else None
            items.append(_item(record, NO_NEXT_STEP, today, False, action, None, currency))
    by_id = {r.id: r for r in records}
    for stale in stale_items(pipeline, timelines, Window(), now):
        if stale["reason"] != NEXT_STEP_OVERDUE and stale["id"] in by_id:
            record = by_id[stale["id"]]
            reason, days = stale["reason"], stale["days"]
            items.append(_item(record, STALE, today, False, reason, days, currency))
    return items


def group_by_day(items: Iterable[AgendaItem], today: date) -> tuple[AgendaDay, ...]:
    """Overdue first, then one group per day, each sorted by kind, then amount (largest first)."""
    ordered = sorted(items, key=_order)
    overdue = tuple(i for i in ordered if i.overdue)
    groups = [AgendaDay(OVERDUE, None, overdue)] if overdue else []
    by_day: dict[date, list[AgendaItem]] = {}
    for item in ordered:
        if not item.overdue:
            by_day.setdefault(item.day, []).append(item)
    for day in sorted(by_day):
        groups.append(AgendaDay(TODAY if day <= today else UPCOMING, day, tuple(by_day[day])))
    return tuple(groups)


def _order(item: AgendaItem) -> tuple[Any, ...]:
    return (item.day, KINDS.index(item.kind), -(item.amount or 0.0), item.title.casefold())


def _first_contacts(
    records: list[Opportunity],
    timelines: Timelines,
    entry: str,
    pipeline: Pipeline,
    now: datetime,
) -> Iterator[AgendaItem]:
    """Untouched deals in the entry stage, due when their first-contact SLA runs out."""
    sla = timedelta(hours=pipeline.config.first_contact_sla_hours)
    for record in records:
        if record.stage != entry:
            continue
        if first_contact_at(record, stays(record, timelines, now), entry, now) is not None:
            continue
        deadline = record.created + sla
        left = (deadline - now).total_seconds() / SECONDS_PER_HOUR
        day = deadline.astimezone(now.tzinfo).date()
        yield _item(record, FIRST_CONTACT, day, left < 0, None, left, pipeline.config.currency)


def _item(
    record: Opportunity,
    kind: str,
    day: date,
    overdue: bool,
    detail: str | None,
    amount_of_time: float | None,
    currency: str,
) -> AgendaItem:
    """An item about ``record``; its amount is in ``currency`` (the pipeline's) unless it says."""
    return AgendaItem(
        kind,
        day,
        overdue,
        record.id,
        record.title,
        record.account,
        record.stage,
        record.amount,
        record.currency or currency,
        record.owner,
        detail,
        amount_of_time,
    )
