"""Folding events into timelines, and laying the work tree's uncommitted stages on top.

Rules (see docs/history.md): events are taken in author-date order; a stage
change closes the open interval and opens one for the new stage, so moving
back opens a second interval; a deletion closes the last one and keeps the
history; a stage changed in the work tree but not committed counts from
*now*, flagged ``uncommitted``; a reverted commit (``pipeline undo``, ``git
revert``) and its revert both leave the stage timeline as if neither had
happened, while their field changes stay in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from pipeline_tui.core import clock
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import FieldChange, StageInterval, Timeline
from pipeline_tui.history.events import Event, History
from pipeline_tui.storage.store import Store


def derive_all(history: History) -> dict[str, Timeline]:
    """Every opportunity's timeline, computed from scratch (undone-away ones left out)."""
    timelines = {opp_id: derive(opp_id, events) for opp_id, events in history.events.items()}
    return {opp_id: t for opp_id, t in timelines.items() if not is_void(t)}


def is_void(timeline: Timeline) -> bool:
    """Nothing is left once undone changes are taken away (a creation that was undone)."""
    return not timeline.stages and not timeline.changes and timeline.deleted_at is None


def standing(events: Sequence[Event]) -> list[Event]:
    """``events`` without the undone ones: each reverted commit and the revert itself.

    Walked newest first, so undoing an undo brings the original change back:
    a revert that was itself reverted cancels nothing.
    """
    cancelled: set[str] = set()
    kept: list[Event] = []
    for event in reversed(events):
        if event.commit in cancelled:
            continue
        if event.reverts:
            cancelled.update(event.reverts)
            continue
        kept.append(event)
    kept.reverse()
    return kept


def derive(opp_id: str, events: Sequence[Event]) -> Timeline:
    """Fold one opportunity's events (sorted by author date) into its timeline.

    Stages and deletions come from the :func:`standing` events only; field
    changes from all of them, those undone flagged ``undone``, so ``pipeline
    history`` still shows an undone change and its undo.
    """
    intervals: list[StageInterval] = []
    deleted_at: datetime | None = None
    kept = standing(events)
    changes = _field_changes(events, kept)
    path = events[0].path if events else ""
    for event in kept:
        if event.deleted:
            if deleted_at is None and intervals:
                deleted_at = event.at
                _close(intervals, event.at)
            continue
        path = event.path
        resurrected = deleted_at is not None
        deleted_at = None
        current = intervals[-1].stage if intervals and not resurrected else None
        if event.stage is not None and event.stage != current:
            _close(intervals, event.at)
            intervals.append(StageInterval(event.stage, event.at, None, event.commit, event.author))
    return Timeline(opp_id, path, tuple(intervals), changes, deleted_at)


def with_changes(timeline: Timeline, events: Sequence[Event]) -> Timeline:
    """``timeline`` with the field changes of ``events``: :func:`derive` once their
    changes are known (stages and deletions do not depend on them)."""
    return replace(timeline, changes=_field_changes(events, standing(events)))


def _field_changes(events: Sequence[Event], kept: Sequence[Event]) -> tuple[FieldChange, ...]:
    """Every field change of ``events``, those of events not ``kept`` flagged undone."""
    live = {id(event) for event in kept}
    return tuple(
        FieldChange(event.at, event.author, event.commit, field, old, new, id(event) not in live)
        for event in events
        for field, old, new in event.changes
    )


def with_work_tree(
    root: Path,
    timelines: dict[str, Timeline],
    now: datetime | None,
    pipeline: Pipeline | None,
) -> dict[str, Timeline]:
    """Add stage changes made in the work tree but not committed, counted from ``now``.

    ``pipeline`` is the work tree as already loaded; None reads it (a folder
    that cannot be read adds nothing).
    """
    if pipeline is None:
        try:
            pipeline = Store(root).load()
        except PipelineError:
            return timelines
    moment = now or clock.now()
    for record in pipeline.opportunities:
        known = timelines.get(record.id)
        if (
            known is not None
            and not known.deleted
            and known.current is not None
            and known.current.stage == record.stage
        ):
            continue
        timelines[record.id] = _uncommitted(known, record, moment)
    return timelines


def _uncommitted(known: Timeline | None, record: Opportunity, now: datetime) -> Timeline:
    stay = StageInterval(record.stage, now, None, None, None, uncommitted=True)
    if known is None:
        return Timeline(record.id, record.path, (stay,))
    intervals = list(known.stages)
    _close(intervals, now)
    return Timeline(record.id, record.path, (*intervals, stay), known.changes, None)


def _close(intervals: list[StageInterval], when: datetime) -> None:
    if intervals and intervals[-1].left is None:
        last = intervals[-1]
        intervals[-1] = StageInterval(
            last.stage, last.entered, when, last.commit, last.author, last.uncommitted
        )
