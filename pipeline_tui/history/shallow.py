"""Shallow clones: history that stops at a boundary, so older stage dates are unknown.

Why: in a ``git clone --depth 1`` copy every deal appears to enter its stage
at the oldest commit the clone has, so days in stage, cycle times and stale
flags would be silently wrong.  The boundary commits are listed in git's
``shallow`` file; a stay that begins at one of them has an unknown start, so
it is left out (shown as unknown), and every front end says how to fetch the
rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipeline_tui.core.timeline import StageInterval, Timeline
from pipeline_tui.git.shallow import SHALLOW_NOTE, boundaries

__all__ = ["SHALLOW_NOTE", "boundaries", "complete_only", "known"]


def known(stay: StageInterval | None, cut: frozenset[str]) -> bool:
    """Whether ``stay``'s start is a real date (it did not begin at a boundary commit)."""
    return stay is not None and known_commit(stay.commit, cut)


def known_commit(commit: str | None, cut: frozenset[str]) -> bool:
    """Whether a stay that began at ``commit`` (None: uncommitted) has a real start."""
    return commit is None or commit not in cut


def complete_only(timelines: Mapping[str, Timeline], cut: frozenset[str]) -> dict[str, Timeline]:
    """The timelines whose first stay starts inside the clone's history.

    A deal already there at the boundary has an unknown first start, so its
    whole timeline is left out: its durations read as unknown, never wrong.
    """
    if not cut:
        return dict(timelines)
    return {
        opp_id: timeline
        for opp_id, timeline in timelines.items()
        if not timeline.stages or known(timeline.stages[0], cut)
    }
