"""The history engine: every opportunity's stage timeline and field changes, from git.

Git is the only source of stage durations, so this package turns the whole
history into :class:`~pipeline_tui.core.timeline.Timeline` values in one pass:
:mod:`.reader` streams ``git log`` and ``git cat-file`` into per-opportunity
:mod:`.events` (field changes from :mod:`.diff`), :mod:`.fold` folds each
opportunity's events, sorted by author date, into its timeline, and
:mod:`.cache` keeps both in ``.git/pipeline-tui/``, brought up to date from
the commits added since.  :mod:`.as_of` rebuilds the pipeline at a past instant.

Rules (see docs/history.md): times are author dates; a change counts once, at
the commit that introduced it (merges contribute only what they changed
themselves, so a teammate's pulled-in commits keep their own dates); moving
back opens a second interval; deleted files keep their history; a stage
changed in the work tree but not committed counts from *now*, flagged
``uncommitted``; an undone commit (``pipeline undo``, ``git revert``) and its
revert leave the stages as if neither had happened.  Hand edits count exactly
like CLI edits: only file contents are read, and of commit messages only the
``This reverts commit <sha>.`` line.

This module is the public API; the others import nothing from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from pipeline_tui.core import clock
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.timeline import (
    UNCOMMITTED,
    StageInterval,
    StayMark,
    Timeline,
    interval_of,
)
from pipeline_tui.history import cache, prefetch_worker, shallow
from pipeline_tui.history.as_of import AsOfMemo, pipeline_as_of
from pipeline_tui.history.events import ConfigVersion, Event, History
from pipeline_tui.history.fold import derive, derive_all, with_work_tree
from pipeline_tui.history.reader import Progress, read_history
from pipeline_tui.storage.store import Store

__all__ = [
    "UNCOMMITTED",
    "AsOfMemo",
    "ConfigVersion",
    "Event",
    "History",
    "Progress",
    "current_stays",
    "derive",
    "derive_all",
    "load_timeline",
    "load_timelines",
    "marks_of",
    "pipeline_as_of",
    "prefetch",
    "read_history",
    "scan_timelines",
    "shallow",
    "stays_of",
]


def load_timelines(
    root: Path,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
    pipeline: Pipeline | None = None,
) -> dict[str, Timeline]:
    """Timelines of every opportunity that ever existed, keyed by id (cached).

    ``pipeline`` is the work tree as already loaded (saves reading it twice);
    uncommitted stage changes in it count from ``now``.
    """
    state = _fresh(root, progress)
    timelines = with_work_tree(root, dict(state.timelines), now, pipeline)
    return shallow.complete_only(timelines, shallow.boundaries(root))


def load_timeline(
    root: Path,
    opp_id: str,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Timeline | None:
    """One opportunity's timeline: ``load_timelines(root)[opp_id]``, reading only its entry."""
    known = _fresh(root, progress).timeline(opp_id)
    timelines = {opp_id: known} if known is not None else {}
    store = Store(root)
    try:
        record = store.get(opp_id, store.load_config())
    except PipelineError:  # not in the work tree (deleted, renamed away) or not valid there
        return timelines.get(opp_id)
    work_tree = Pipeline(store.load_config(), (record,))
    found = with_work_tree(root, timelines, now, work_tree)
    return shallow.complete_only(found, shallow.boundaries(root)).get(opp_id)


def prefetch(root: Path, *, watched: bool = True) -> None:
    """Start reading ``root``'s history in the background; the next call here collects it.

    A caller about to parse the work tree first (``list --json``) lets a
    second process read the log meanwhile (:mod:`.prefetch_worker`): on a cold cache
    the two run on two cores instead of taking turns with one GIL.
    ``watched=False``: no progress will be shown, so none is counted.
    """
    prefetch_worker.start(root, watched=watched)


def _fresh(root: Path, progress: Progress | None, *, entries: bool = True) -> cache.CacheState:
    """The cache up to date with HEAD, once a :func:`prefetch` of ``root`` is done."""
    ready = prefetch_worker.collect(root, progress)
    return cache.fresh(root, progress, entries=entries, known=ready)


def current_stays(
    root: Path,
    pipeline: Pipeline,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, StageInterval | None]:
    """id -> the stay in its current stage, for each opportunity in ``pipeline``.

    The same as ``load_timelines(...)[id].current`` but without loading whole
    timelines: what ``pipeline list`` needs, fast at 10,000 deals.  None when
    the stay began before a shallow clone's history (its start is unknown).
    """
    deals = [(record.id, record.stage) for record in pipeline.opportunities]
    return stays_of(root, deals, progress=progress, now=now)


def stays_of(
    root: Path,
    deals: Iterable[tuple[str, str]],
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, StageInterval | None]:
    """:func:`current_stays` for (id, stage in the work tree) pairs, no records needed."""
    pairs = list(deals)
    moment = now or clock.now()
    result: dict[str, StageInterval | None] = {}
    for (opp_id, stage), mark in zip(pairs, marks_of(root, pairs, progress=progress), strict=True):
        if isinstance(mark, tuple):
            result[opp_id] = interval_of(mark)
        elif mark is UNCOMMITTED:
            result[opp_id] = StageInterval(stage, moment, None, None, None, uncommitted=True)
        else:
            result[opp_id] = None
    return result


#: A deal as :func:`marks_of` reads it: a tuple that starts with its id and its
#: stage in the work tree (``list``'s kept rows are read as they are, no copy).
Deal = tuple[str | None, str, *tuple[object, ...]]


def marks_of(
    root: Path, deals: Sequence[Deal], *, progress: Progress | None = None
) -> list[StayMark | bool | None]:
    """Each deal's current stay as a :data:`~pipeline_tui.core.timeline.StayMark`, in order.

    For each deal (:data:`Deal`): the committed stay, else
    :data:`UNCOMMITTED`; None when the stay began before a shallow clone's
    history (its start is unknown).  The one place these rules live:
    :func:`stays_of` turns the marks into intervals, and ``list --json``
    after a change prints them as they are (no interval is built for
    100,000 deals).
    """
    cut = shallow.boundaries(root)
    marks = prefetch_worker.handed_marks(root, progress)  # before the second process saves
    if marks is None:
        marks = _fresh(root, progress, entries=False).marks
    found: list[StayMark | bool | None] = []
    add = found.append
    for deal in deals:
        mark = marks.get(deal[0]) if deal[0] is not None else None
        if mark is None or mark[0] != deal[1]:
            add(UNCOMMITTED)
        elif cut and not shallow.known_commit(mark[5], cut):
            add(None)
        else:
            add(mark)
    return found


def scan_timelines(
    root: Path,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
    pipeline: Pipeline | None = None,
) -> dict[str, Timeline]:
    """The same answer as :func:`load_timelines`, computed from scratch (no cache)."""
    history = read_history(root, progress=progress)
    return with_work_tree(root, derive_all(history), now, pipeline)
