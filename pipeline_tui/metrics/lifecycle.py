"""What history says about one deal, cut at ``now``: stays, close time, furthest stage.

Every metric asks the same few questions of a timeline; answering them in one
place keeps the definitions identical across indicators.  Timelines may
extend past ``now`` (a report "as of" a past date reuses today's history), so
every answer first drops what happened after ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from pipeline_tui.config import PipelineConfig
from pipeline_tui.model import Opportunity
from pipeline_tui.timeline import StageInterval, Timeline

Timelines = Mapping[str, Timeline]

#: Key used when an owner, source or reason is not set.
UNASSIGNED = "(none)"


def stays(record: Opportunity, timelines: Timelines, now: datetime) -> tuple[StageInterval, ...]:
    """The deal's stage intervals up to ``now``.

    Without history (a deal git does not know yet) the deal is taken to have
    sat in its current stage since ``created``, which is what the file says.
    """
    timeline = timelines.get(record.id)
    clipped = clip(timeline.stages, now) if timeline is not None else ()
    if not clipped:
        return (StageInterval(record.stage, record.created, None, None, None),)
    return clipped


def clip(intervals: tuple[StageInterval, ...], now: datetime) -> tuple[StageInterval, ...]:
    """Drop stays that began after ``now``; reopen the one ``now`` falls inside."""
    if (
        intervals
        and intervals[-1].entered <= now
        and (intervals[-1].left is None or intervals[-1].left <= now)
    ):
        return intervals  # the common case: nothing after now
    result = []
    for interval in intervals:
        if interval.entered > now:
            break
        if interval.left is not None and interval.left > now:
            interval = replace(interval, left=None)
        result.append(interval)
    return tuple(result)


def closed_at(
    record: Opportunity, history: tuple[StageInterval, ...], config: PipelineConfig
) -> datetime | None:
    """When the deal entered its terminal stage (won or lost); None while it is open."""
    if not config.has_stage(record.stage) or config.is_open(record.stage):
        return None
    last = history[-1]
    return last.entered if last.stage == record.stage else record.created


def is_won(record: Opportunity, config: PipelineConfig) -> bool:
    return record.stage == config.won_stage


def is_lost(record: Opportunity, config: PipelineConfig) -> bool:
    return record.stage == config.lost_stage


def furthest_open_index(
    record: Opportunity, history: tuple[StageInterval, ...], config: PipelineConfig
) -> int:
    """How far down the funnel the deal got, as an index into the open stages.

    A won deal counts as having passed every open stage (``len(open_stages)``),
    and reaching a stage implies reaching those before it: a deal that
    skipped ``qualified`` still passed through it as far as the funnel goes.
    Returns -1 if the deal never was in an open stage (created straight into lost).
    """
    open_names = [s.name for s in config.open_stages]
    if is_won(record, config) or any(i.stage == config.won_stage for i in history):
        return len(open_names)
    indexes = [open_names.index(i.stage) for i in history if i.stage in open_names]
    return max(indexes, default=-1)


def lost_from(history: tuple[StageInterval, ...], config: PipelineConfig) -> str:
    """The stage a lost deal was in just before it was lost."""
    for interval in reversed(history[:-1]):
        if interval.stage != config.lost_stage:
            return interval.stage
    return UNASSIGNED


def owner_key(record: Opportunity) -> str:
    return record.owner or UNASSIGNED


def current_stay(history: tuple[StageInterval, ...]) -> StageInterval:
    return history[-1]


class Closed:
    """A deal that reached won or lost, with when and how it got there."""

    __slots__ = ("at", "history", "record", "won")

    def __init__(
        self, record: Opportunity, at: datetime, history: tuple[StageInterval, ...], won: bool
    ) -> None:
        self.record = record
        self.at = at
        self.history = history
        self.won = won


def closed_deals(
    records: tuple[Opportunity, ...],
    config: PipelineConfig,
    timelines: Timelines,
    now: datetime,
) -> list[Closed]:
    """Every deal that is won or lost as of ``now``, with its close time."""
    result = []
    for record in records:
        if not (is_won(record, config) or is_lost(record, config)):
            continue
        history = stays(record, timelines, now)
        at = closed_at(record, history, config)
        if at is not None:
            result.append(Closed(record, at, history, is_won(record, config)))
    return result
