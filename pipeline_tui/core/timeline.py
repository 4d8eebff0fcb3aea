"""What git history says about one opportunity: its stage intervals and field changes.

Pure values, produced by :mod:`pipeline_tui.history` and consumed by metrics,
reports and the TUI.  Times are author dates of the commits that introduced
each change (``--at`` sets them), always timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
