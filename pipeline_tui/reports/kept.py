"""A finished report kept for later runs: valid at any later instant once the clock passed its data.

Why: a warm ``pipeline report`` at 100,000 deals spends most of its time
rebuilding 100,000 records and timelines from the caches and walking them
again in fifteen sections, only to print what it printed a minute ago, with
the days counted a minute later.  The clock is the catch: almost every
section reads ``now``, so a result cannot simply be kept like ``pipeline
list``'s.  But apart from the stale list (and first contact's SLA), the
sections read ``now`` only by comparing it with the instants in the data:
a stay that began after ``now`` is cut, an activity or change after it is
not counted yet, a deal created after it is left out.  Once ``now`` is later
than every instant the records and timelines hold (:func:`settled_after`),
all those comparisons come out the same for any later ``now``, and so do
those sections' values.  The stale list is counted at read time from its
:data:`~.metrics.stale.StaleFact` rows, which are fixed from that point on
too.

So :func:`keep` computes a report and, when ``now`` is past that point,
a :class:`KeptReport`; :func:`served` answers a later run from it, exactly
as a full run would, or None when its ``now`` is not later (a pinned past
clock, a file with a date in the future).  Work-tree moves not yet committed
are stamped with ``now`` itself, so a report with one is never kept.  Whoever
stores a kept report keys it by everything else the report read (the
files, ``HEAD``, the options): that is the CLI's job
(:mod:`pipeline_tui.cli.report`); this module reads no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.reports.build import DIGITS, Offload, build_report
from pipeline_tui.reports.metrics.lifecycle import Timelines, shared_facts
from pipeline_tui.reports.metrics.stale import StaleFact, stale_facts, stale_rows
from pipeline_tui.reports.metrics.window import Window
from pipeline_tui.reports.sections import by_key

#: The one section counted again at read time (its days grow with the clock).
_COUNTED = by_key("stale").key

#: Added to the first-contact deadline: its ``hours > sla`` test divides, and
#: one second keeps the comparison clear of a rounding step.
_MARGIN = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class KeptReport:
    """A report's values, good for any ``now`` later than ``after``.

    ``values`` holds every section's rounded value but the stale list, in
    report order, with None in the stale list's place; ``stale`` holds that
    list's facts when it was asked for.
    """

    after: datetime
    values: dict[str, Any]
    stale: list[StaleFact] | None


def keep(
    pipeline: Pipeline,
    timelines: Timelines,
    window: Window,
    now: datetime,
    sections: Iterable[str],
    offload: Offload | None = None,
) -> tuple[dict[str, Any], KeptReport | None]:
    """:func:`~.build.build_report`'s value, and the same report kept if ``now`` allows."""
    with shared_facts():  # the stale facts below reuse the sections' stays
        data = build_report(pipeline, timelines, window, now, sections, offload)
        after = settled_after(pipeline, timelines)
        if after is None or not now > after:
            return data, None
        stale = stale_facts(pipeline, timelines, now) if _COUNTED in data else None
    values = {key: None if key == _COUNTED else value for key, value in data.items()}
    return data, KeptReport(after, values, stale)


def served(kept: KeptReport, config: PipelineConfig, now: datetime) -> dict[str, Any] | None:
    """The report a full run would give at ``now``, from ``kept``; None if ``now`` is too early."""
    if not now > kept.after:
        return None
    values = dict(kept.values)
    if kept.stale is not None:
        values[_COUNTED] = stale_rows(kept.stale, config, now, DIGITS)  # rounded as computed
    return values


def settled_after(pipeline: Pipeline, timelines: Timelines) -> datetime | None:
    """The latest instant the report's data holds (None: no data); later, the clock changes nothing.

    Covers every instant a section compares with ``now``: creation (plus the
    first-contact deadline for a deal nobody contacted yet), activities,
    stays, field changes, deletions.
    """
    latest: datetime | None = None
    config = pipeline.config
    sla = timedelta(hours=config.first_contact_sla_hours) + _MARGIN
    entry = config.entry_stage.name
    for record in pipeline.opportunities:
        at = record.created
        if not record.activities and _waiting(record, timelines, entry):
            at += sla
        latest = at if latest is None or at > latest else latest
        for activity in record.activities:
            if activity.at > latest:
                latest = activity.at
    for timeline in timelines.values():
        instants = [stay.entered for stay in timeline.stages]
        instants += [stay.left for stay in timeline.stages if stay.left is not None]
        instants += [change.at for change in timeline.changes]
        if timeline.deleted_at is not None:
            instants.append(timeline.deleted_at)
        if instants:
            at = max(instants)
            latest = at if latest is None or at > latest else latest
    return latest


def _waiting(record: Opportunity, timelines: Timelines, entry: str) -> bool:
    """Whether the deal never left the entry stage (first contact's other way to count).

    As :func:`~.metrics.first_contact.first_contact_at` sees it once the clock
    is past the deal's stays (then :func:`~.metrics.lifecycle.stays` cuts none).
    """
    timeline = timelines.get(record.id)
    if timeline is None or not timeline.stages:
        return record.stage == entry
    first = timeline.stages[0]
    return first.stage == entry and first.left is None
