"""The board as plain values: one :class:`ColumnData` per stage, one :class:`CardData` per deal.

The board screen computes these from the :class:`Pipeline`, the history
timelines (or, while they are still coming, each deal's current stay: all a
card shows of the history) and the set of uncommitted files; the column
widgets only paint them.  Badges are decided here, once, so no widget
carries domain rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from pipeline_tui.core.config import Stage
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.core.timeline import StageInterval, Timeline
from pipeline_tui.terminal_text import cell_text
from pipeline_tui.tui.board.filtering import BoardFilter


@dataclass(frozen=True, slots=True)
class CardData:
    """What one card shows."""

    id: str
    title: str
    account: str
    amount: float | None
    currency: str | None
    owner: str | None
    days: float | None
    stale: bool = False
    overdue: bool = False
    uncommitted: bool = False


@dataclass(frozen=True, slots=True)
class ColumnData:
    """One stage: its cards (already filtered and sorted) and their total amount."""

    stage: str
    terminal: bool
    cards: tuple[CardData, ...]
    total: float
    label: str = ""  # what the column header shows: the stage's label, else its name

    @property
    def heading(self) -> str:
        return self.label or self.stage

    def index_of(self, opp_id: str) -> int | None:
        for index, card in enumerate(self.cards):
            if card.id == opp_id:
                return index
        return None


def days_in_stage(
    record: Opportunity, current: StageInterval | None, now: datetime
) -> float | None:
    """Days since the deal entered its current stage (``current``), when history knows it."""
    if current is None:
        return None
    if current.stage != record.stage:  # history lags behind an uncommitted edit
        return None
    return current.days(now)


def card_for(
    record: Opportunity,
    stage: Stage | None,
    current: StageInterval | None,
    uncommitted: bool,
    now: datetime,
    currency: str | None = None,
) -> CardData:
    days = days_in_stage(record, current, now)
    limit = stage.max_days if stage is not None else None
    step = record.next_step
    return CardData(
        id=record.id,
        title=cell_text(record.title),
        account=cell_text(record.account),
        amount=record.amount,
        currency=record.currency or currency,
        owner=cell_text(record.owner) if record.owner else record.owner,
        days=days,
        stale=bool(limit is not None and days is not None and days > limit),
        overdue=bool(
            stage is not None
            and not stage.terminal
            and step is not None
            and step.due is not None
            and step.due < now.date()
        ),
        uncommitted=uncommitted,
    )


class CardCache:
    """Cards already computed, reused while their inputs are the very same objects.

    With 10,000 deals a move changes one record; rebuilding every card would
    cost more than the commit.  Entries are keyed by id and checked by
    identity of the record and its current stay (both immutable), so any
    reload or write naturally invalidates just what changed.  Days in stage move with
    the clock, so everything is recomputed once an hour.
    """

    def __init__(self) -> None:
        self._cards: dict[str, tuple[Opportunity, StageInterval | None, bool, CardData]] = {}
        self._hour: datetime | None = None

    def card(
        self,
        record: Opportunity,
        stage: Stage | None,
        current: StageInterval | None,
        uncommitted: bool,
        now: datetime,
        currency: str | None,
    ) -> CardData:
        hit = self._cards.get(record.id)
        if hit is not None and hit[0] is record and hit[1] is current and hit[2] == uncommitted:
            return hit[3]
        card = card_for(record, stage, current, uncommitted, now, currency)
        self._cards[record.id] = (record, current, uncommitted, card)
        return card

    def start(self, now: datetime) -> None:
        """Forget everything when the hour changes (days in stage have moved on)."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != self._hour:
            self._cards.clear()
            self._hour = hour


def build_columns(
    pipeline: Pipeline,
    timelines: Mapping[str, Timeline] | None,
    uncommitted: Collection[str],
    board_filter: BoardFilter,
    now: datetime,
    cache: CardCache | None = None,
    only: Collection[str] | None = None,
    stays: Mapping[str, StageInterval | None] | None = None,
) -> tuple[ColumnData, ...]:
    """Every configured stage in order, each with its matching cards, biggest first.

    ``uncommitted`` holds record paths (``opportunities/x.yaml``) that differ
    from HEAD.  Records in a stage the config does not know are left out: the
    problems panel names them.  With ``only``, just those stages are built
    (after a move, the two columns it touched).  ``stays``: each deal's current
    stay, used while ``timelines`` is None (days in stage before the full history).
    """
    config = pipeline.config
    cache = cache or CardCache()
    cache.start(now)
    stages = [s for s in config.stages if only is None or s.name in only]
    by_stage: dict[str, list[Opportunity]] = {s.name: [] for s in stages}
    for record in pipeline.opportunities:
        if record.stage in by_stage and board_filter.matches(record):
            by_stage[record.stage].append(record)
    columns = []
    for stage in stages:
        records = sorted(by_stage[stage.name], key=_card_order)
        cards = tuple(
            cache.card(
                r,
                stage,
                _current(r.id, timelines, stays),
                r.path in uncommitted,
                now,
                config.currency,
            )
            for r in records
        )
        total = sum(r.amount or 0.0 for r in records)
        columns.append(ColumnData(stage.name, stage.terminal, cards, total, stage.display))
    return tuple(columns)


def _current(
    opp_id: str,
    timelines: Mapping[str, Timeline] | None,
    stays: Mapping[str, StageInterval | None] | None,
) -> StageInterval | None:
    """A deal's current stay: from its timeline once they are in, else from ``stays``."""
    if timelines is not None:
        timeline = timelines.get(opp_id)
        return timeline.current if timeline is not None else None
    return stays.get(opp_id) if stays is not None else None


def _card_order(record: Opportunity) -> tuple[float, str, str]:
    """Biggest deals first; ties by title then id, so the order never jitters."""
    return (-(record.amount or 0.0), record.title.casefold(), record.id)
