"""A row's dated steps: when the imported deal was created, moved and closed, pure.

The row mapper (:mod:`.row`) finds the dates a row holds (created, engaged,
closed, or the CRM's own stage history); these functions put them in order
and make the steps the import commits, one commit per step, so the history
engine measures time in stage from them.  Dates that contradict each other
are reconciled here, and :class:`~.row.RowMapper` says how.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.dataio.importing.mapped import Event
from pipeline_tui.i18n import N_


def same_day_only(values: Mapping[str, Any], known: Sequence[datetime]) -> bool:
    """A date-only step on the day of a timed creation is in order (midnight is not before)."""
    dated = [v for f in ("created", "engaged", "closed") if isinstance(v := values.get(f), date)]
    date_only = any(not isinstance(v, datetime) for v in dated)
    return date_only and min(k.date() for k in known) == known[0].date()


def not_after(events: Sequence[Event], now: datetime) -> list[Event]:
    """No commit dated in the future: later steps are dated at the import."""
    return tidy([dataclasses.replace(e, when=min(e.when, now)) for e in events])


def history_steps(
    config: PipelineConfig,
    stage: str,
    created: datetime | None,
    closed: datetime | None,
    entries: Sequence[tuple[str, datetime]],
) -> tuple[list[Event], str | None]:
    """Steps from the CRM's own stage history, ending in the row's stage."""
    first_stage, first_when = entries[0]
    adjusted = None
    start = first_when
    if created is not None:
        start = min(created, first_when)
        moved = N_("created moved to the first stage entry")
        adjusted = moved if first_when < created else None
    if closed is not None and created is not None and closed < created:
        adjusted = N_("a close date before created (the stage history's dates kept)")
    if not config.is_open(stage) and config.is_open(first_stage) is False and len(entries) == 1:
        first_stage = config.entry_stage.name
    points = [Event(start, first_stage, "created")]
    points += [Event(when, name, "moved") for name, when in entries[1:]]
    if points[-1].stage != stage:
        last = points[-1].when
        points.append(Event(max(closed or last, last), stage, "closed"))
    if not config.is_open(stage) and len(points) == 1:
        points.insert(0, Event(start, config.entry_stage.name, "created"))
    return tidy(points), adjusted


def plain_steps(
    config: PipelineConfig,
    stage: str,
    created: datetime | None,
    engaged: datetime | None,
    closed: datetime | None,
    now: datetime,
) -> list[Event]:
    """The dated steps: created in the first stage, engaged into the next, then closed.

    Steps on the same instant collapse into one holding the later stage, so a
    row with only a close date is simply created closed on that date.  Without
    the date that explains the current stage (an open deal without an engaged
    date, a closed one without a close date) the deal is created in it.
    """
    start = created or engaged or closed or now
    entry = config.entry_stage.name
    if config.is_open(stage):
        if engaged is None:
            return [Event(start, stage, "created")]
        points = [Event(start, entry, "created"), Event(engaged, stage, "engaged")]
    else:
        if closed is None:
            return [Event(start, stage, "created")]
        points = [Event(start, entry, "created")]
        if engaged is not None:
            second = config.next_open_stage(entry, 1) or entry
            points.append(Event(engaged, second, "engaged"))
        points.append(Event(closed, stage, "closed"))
    return tidy(points)


def tidy(points: list[Event]) -> list[Event]:
    """Steps in order (a date-only step on a timed step's day moves to it), repeats merged."""
    for index in range(1, len(points)):
        if points[index].when < points[index - 1].when:
            points[index] = dataclasses.replace(points[index], when=points[index - 1].when)
    collapsed: list[Event] = []
    for point in points:
        if collapsed and collapsed[-1].when == point.when:
            collapsed[-1] = Event(point.when, point.stage, collapsed[-1].what)
        elif not collapsed or collapsed[-1].stage != point.stage:
            collapsed.append(point)
    return collapsed
