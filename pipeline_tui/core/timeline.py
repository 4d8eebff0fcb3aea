"""What git history says about one opportunity: its stage intervals and field changes.

Pure values, produced by :mod:`pipeline_tui.history` and consumed by metrics,
reports and the TUI.  Times are author dates of the commits that introduced
each change (``--at`` sets them), always timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class StageInterval:
    """One stay in one stage. ``left`` is None while the deal is still there."""

    stage: str
    entered: datetime
    left: datetime | None
    commit: str | None
    author: str | None
    uncommitted: bool = False

    def days(self, now: datetime) -> float:
        """Length in days; an open interval counts up to ``now``."""
        return stay_days(self.entered, self.left, now)


def stay_days(entered: datetime, left: datetime | None, now: datetime) -> float:
    """Days from ``entered`` to ``left``, or to ``now`` while open (never negative).

    A function of its own so ``list --json`` served from a snapshot counts
    100,000 stays without building an interval for each.
    """
    end = left if left is not None else now
    return max(0.0, (end - entered).total_seconds() / SECONDS_PER_DAY)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """``moment`` (timezone-aware) as whole microseconds since the epoch: exact."""
    return (moment - _EPOCH) // _MICROSECOND


#: A current stay in plain values, as the history cache keeps it for ``list``:
#: (stage, start as ISO text, start in microseconds since the epoch, end as
#: ISO text or None, end in microseconds or None, commit, author).  100,000
#: of them unpickle several times faster than intervals, and ``list --json``
#: prints them with no date arithmetic or formatting; :func:`interval_of`
#: gives the very interval back (``fromisoformat`` reads ``isoformat`` exactly).
StayMark = tuple[str, str, int, str | None, int | None, str | None, str | None]
#: In place of a mark: the deal's stage in the work tree is not its committed
#: one (or it has no committed stay), so its stay began now, uncommitted.
UNCOMMITTED = False


def mark_of(stay: StageInterval) -> StayMark:
    """``stay`` (a committed one) as a :data:`StayMark`."""
    left = stay.left
    return (
        stay.stage,
        stay.entered.isoformat(),
        micros(stay.entered),
        left.isoformat() if left is not None else None,
        micros(left) if left is not None else None,
        stay.commit,
        stay.author,
    )


def interval_of(mark: StayMark) -> StageInterval:
    """The interval :func:`mark_of` was given."""
    stage, entered, _start, left, _end, commit, author = mark
    ended = datetime.fromisoformat(left) if left is not None else None
    return StageInterval(stage, datetime.fromisoformat(entered), ended, commit, author)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value changed in one commit (the audit trail).

    ``undone`` marks a change that was later undone, and the undo itself: both
    stay in the trail (``pipeline history``) but count as never having
    happened everywhere else (metrics).
    """

    at: datetime
    author: str
    commit: str
    field: str
    old: Any
    new: Any
    undone: bool = False


@dataclass(frozen=True, slots=True)
class Timeline:
    """Everything history knows about one opportunity, oldest first."""

    id: str
    path: str
    stages: tuple[StageInterval, ...]
    changes: tuple[FieldChange, ...] = ()
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def current(self) -> StageInterval | None:
        return self.stages[-1] if self.stages else None

    def days_in(self, stage: str, now: datetime) -> float:
        """Cumulative days spent in ``stage`` (a deal moved back has several stays)."""
        return sum(i.days(now) for i in self.stages if i.stage == stage)

    def reached(self, stage: str) -> bool:
        return any(i.stage == stage for i in self.stages)

    def stage_at(self, when: datetime) -> str | None:
        """The stage the deal was in at ``when`` (None before it existed)."""
        if self.deleted_at is not None and when >= self.deleted_at:
            return None
        found = None
        for interval in self.stages:
            if interval.entered <= when:
                found = interval.stage
        return found
