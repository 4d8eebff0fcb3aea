"""What history says about one deal, cut at ``now``: stays, close time, furthest stage.

Every metric asks the same few questions of a timeline; answering them in one
place keeps the definitions identical across indicators.  Timelines may
extend past ``now`` (a report "as of" a past date reuses today's history), so
every answer first drops what happened after ``now``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import StageInterval, Timeline
from pipeline_tui.reports.metrics.window import Window

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
    #: Open stage -> its place in ``open_order`` (a dict look-up, not ``tuple.index``).
    open_index: Mapping[str, int]

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
            {name: index for index, name in enumerate(names)},
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
    won = stages.won
    if record.stage == won:
        return len(stages.open_order)
    index = stages.open_index
    furthest = -1
    for interval in history:
        stage = interval.stage
        if stage == won:
            return len(stages.open_order)
        at = index.get(stage, -1)
        if at > furthest:
            furthest = at
    return furthest


def lost_from(history: tuple[StageInterval, ...], stages: Stages) -> str:
    """The stage a lost deal was in just before it was lost."""
    for interval in reversed(history[:-1]):
        if interval.stage != stages.lost:
            return interval.stage
    return UNASSIGNED


def owner_key(record: Opportunity) -> str:
    return record.owner or UNASSIGNED


def account_key(account: str) -> str:
    """``"ACME  Corp"`` and ``"acme corp"`` are the same customer."""
    return " ".join(account.casefold().split())


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
    """Every deal that is won or lost as of ``now``, with its close time (do not modify)."""
    return deal_facts(pipeline, timelines, now).closed


class DealFacts:
    """What every indicator asks about each deal, answered once per report.

    Most indicators need the same few per-deal answers (the stays cut at
    ``now``, the close time, how far down the funnel the deal got, which
    deals were created in the window).  Asked by each of fifteen sections
    separately, they cost more than the sections themselves at 100,000 deals;
    here each is computed on first use and kept.  Lists are aligned with
    ``pipeline.opportunities``.  Get one through :func:`deal_facts`, which
    shares it between the sections of one :func:`shared_facts` block.
    """

    def __init__(self, pipeline: Pipeline, timelines: Timelines, now: datetime) -> None:
        self.pipeline = pipeline
        self.timelines = timelines
        self.now = now
        self.records = pipeline.opportunities
        self.stages = Stages.of(pipeline.config)
        self._created_in: dict[Window, list[int]] = {}
        #: Answers a section derives from these facts and another part of the
        #: report reads again, by name (the stale list's facts: :mod:`.stale`).
        self.derived: dict[str, Any] = {}

    @cached_property
    def histories(self) -> list[tuple[StageInterval, ...]]:
        """Each deal's :func:`stays` up to ``now``."""
        timelines, now = self.timelines, self.now
        return [stays(record, timelines, now) for record in self.records]

    @cached_property
    def closed(self) -> list[Closed]:
        """Every deal that is won or lost, with its close time, in file order."""
        stages = self.stages
        won, lost = stages.won, stages.lost
        result = []
        for record, history in zip(self.records, self.histories, strict=True):
            if record.stage != won and record.stage != lost:
                continue
            at = closed_at(record, history, stages)
            if at is not None:
                result.append(Closed(record, at, history, record.stage == won))
        return result

    @cached_property
    def furthest(self) -> list[int]:
        """Each deal's :func:`furthest_open_index`."""
        stages = self.stages
        return [
            furthest_open_index(record, history, stages)
            for record, history in zip(self.records, self.histories, strict=True)
        ]

    @cached_property
    def account_keys(self) -> list[str]:
        """Each deal's :func:`account_key`."""
        return [account_key(record.account) for record in self.records]

    @cached_property
    def open_positions(self) -> list[int]:
        """Where the open deals are (the same deals as :func:`open_records`)."""
        names = self.stages.open
        return [i for i, record in enumerate(self.records) if record.stage in names]

    def created_in(self, window: Window) -> list[int]:
        """Where the deals created in ``window`` (and not after ``now``) are."""
        found = self._created_in.get(window)
        if found is None:
            now, contains = self.now, window.contains
            found = [
                i
                for i, record in enumerate(self.records)
                if record.created <= now and contains(record.created)
            ]
            self._created_in[window] = found
        return found


_SHARED: ContextVar[dict[tuple[int, int, datetime], DealFacts] | None] = ContextVar(
    "shared_deal_facts", default=None
)


@contextmanager
def shared_facts() -> Iterator[None]:
    """Inside the block, sections asking about the same pipeline share one :class:`DealFacts`.

    Scoped to a block (one report) rather than kept globally, so a pipeline
    reloaded later, or a timelines mapping changed in place, is never
    answered from old facts.  A block inside another shares the outer one's
    facts (a kept report asks for more after the sections:
    :mod:`pipeline_tui.reports.kept`).
    """
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def deal_facts(pipeline: Pipeline, timelines: Timelines, now: datetime) -> DealFacts:
    """The facts for this pipeline, history and instant (shared inside :func:`shared_facts`)."""
    memo = _SHARED.get()
    if memo is None:
        return DealFacts(pipeline, timelines, now)
    key = (id(pipeline), id(timelines), now)  # the memo keeps both alive: ids stay unique
    found = memo.get(key)
    if found is None:
        found = memo[key] = DealFacts(pipeline, timelines, now)
    return found
