"""What history says about one deal, cut at ``now``: stays, close time, furthest stage.

Every metric asks the same few questions of a timeline; answering them in one
place keeps the definitions identical across indicators.  Timelines may
extend past ``now`` (a report "as of" a past date reuses today's history), so
every answer first drops what happened after ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import StageInterval, Timeline

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


@dataclass(frozen=True, slots=True)
class Stages:
    """The stage facts every metric asks about, computed once per report.

    ``PipelineConfig`` answers the same questions by scanning its stage list
    on every call; over 10,000 deals and a dozen metrics that adds up.
    """

    open_order: tuple[str, ...]
    open: frozenset[str]
    won: str
    lost: str
    entry: str
    max_days: Mapping[str, int | None]

    @classmethod
    def of(cls, config: PipelineConfig) -> Stages:
        names = tuple(s.name for s in config.open_stages)
        return cls(
            names,
            frozenset(names),
            config.won_stage,
            config.lost_stage,
            config.entry_stage.name,
            {s.name: s.max_days for s in config.stages},
        )


def open_records(pipeline: Pipeline, stages: Stages | None = None) -> list[Opportunity]:
    """The deals in an open (non-terminal, known) stage."""
    names = (stages or Stages.of(pipeline.config)).open
    return [r for r in pipeline.opportunities if r.stage in names]


def closed_at(
    record: Opportunity, history: tuple[StageInterval, ...], stages: Stages
) -> datetime | None:
    """When the deal entered its terminal stage (won or lost); None while it is open."""
    if record.stage != stages.won and record.stage != stages.lost:
        return None
    last = history[-1]
    return last.entered if last.stage == record.stage else record.created


def furthest_open_index(
    record: Opportunity, history: tuple[StageInterval, ...], stages: Stages
) -> int:
    """How far down the funnel the deal got, as an index into the open stages.

    A won deal counts as having passed every open stage (``len(open_stages)``),
    and reaching a stage implies reaching those before it: a deal that
    skipped ``qualified`` still passed through it as far as the funnel goes.
    Returns -1 if the deal never was in an open stage (created straight into lost).
    """
    order = stages.open_order
    if record.stage == stages.won or any(i.stage == stages.won for i in history):
        return len(order)
    return max((order.index(i.stage) for i in history if i.stage in stages.open), default=-1)


def lost_from(history: tuple[StageInterval, ...], stages: Stages) -> str:
    """The stage a lost deal was in just before it was lost."""
    for interval in reversed(history[:-1]):
        if interval.stage != stages.lost:
            return interval.stage
    return UNASSIGNED


def owner_key(record: Opportunity) -> str:
    return record.owner or UNASSIGNED


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


def closed_deals(pipeline: Pipeline, timelines: Timelines, now: datetime) -> list[Closed]:
    """Every deal that is won or lost as of ``now``, with its close time."""
    stages = Stages.of(pipeline.config)
    result = []
    for record in pipeline.opportunities:
        if record.stage != stages.won and record.stage != stages.lost:
            continue
        history = stays(record, timelines, now)
        at = closed_at(record, history, stages)
        if at is not None:
            result.append(Closed(record, at, history, record.stage == stages.won))
    return result
