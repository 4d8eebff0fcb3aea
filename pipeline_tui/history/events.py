"""The history engine's values: what each commit did to each opportunity and to the config.

These are what :mod:`pipeline_tui.history.reader` gets from the log, what
:mod:`pipeline_tui.history.cache` keeps and what :mod:`pipeline_tui.history.fold`
turns into timelines.  They are plain frozen values, so caching them is pickling them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """What one commit did to one opportunity.

    ``stage`` is set only when the commit changed the stage (the new one);
    ``blob`` is the file version it left (None: deleted); ``seq`` orders
    commits with equal author dates (parents before children); ``reverts``
    names the commits this one says it reverts (``This reverts commit <sha>.``),
    whose events the fold then treats as never having happened.
    """

    at: datetime
    seq: int
    commit: str
    author: str
    path: str
    blob: str | None
    stage: str | None
    changes: tuple[tuple[str, Any, Any], ...] = ()
    created: bool = False
    reverts: tuple[str, ...] = ()

    @property
    def deleted(self) -> bool:
        return self.blob is None


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """One version of ``pipeline.yaml`` (``blob`` None: deleted in that commit)."""

    at: datetime
    seq: int
    blob: str | None


@dataclass
class History:
    """Everything the log said: events per opportunity id, and config versions.

    ``unresolved`` maps ``id(event)`` to what an event's field changes are
    still to be computed from (a deferred read; see ``reader.resolve_changes``).
    """

    head: str | None
    events: dict[str, list[Event]]
    config: list[ConfigVersion]
    next_seq: int = 0
    unresolved: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)


def event_order(event: Event | ConfigVersion) -> tuple[datetime, int]:
    """Author date, then commit order: how events and config versions are sorted."""
    return (event.at, event.seq)
