"""The half-open time window ``[since, until)`` a report is cut to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Window:
    """``[since, until)``; a missing bound is open, so ``Window()`` means all time."""

    since: datetime | None = None
    until: datetime | None = None

    @property
    def unbounded(self) -> bool:
        """All time: ``contains`` holds for every instant (loops over events may skip asking)."""
        return self.since is None and self.until is None

    def contains(self, when: datetime | None) -> bool:
        if when is None:
            return False
        if self.since is not None and when < self.since:
            return False
        return self.until is None or when < self.until

    def end(self, now: datetime) -> datetime:
        """The instant the window stops counting: ``until``, but never after ``now``."""
        return now if self.until is None else min(self.until, now)
