"""The history engine's persistent cache, in ``.git/pipeline-tui/`` (never committed).

Reading 37,000 commits takes as long as git needs to list them (tens of
seconds at 10,000 deals); reading the cache takes a fraction of a second.
The cache holds, up to a ``head`` commit, each opportunity's events and the
timeline derived from them.  On each use:

* HEAD unchanged: the cached answer is used as it is;
* HEAD moved forward (the cached head is an ancestor): only the new commits
  are read, and only the opportunities they touched are re-derived (from all
  their events, so a revert arriving later cancels the commit it reverts);
* anything else (rebase, reset, amend, another branch): history was
  rewritten, so it is read again from scratch.

Each opportunity's events are pickled separately, and the timelines of one
segment's opportunities together (one pickle per segment: the stage names,
authors and time zone they repeat are read once, and a report reading
100,000 timelines makes 256 ``pickle.loads`` calls, not 100,000); each is
only unpickled when asked for, so a warm ``pipeline list`` (which needs only
each deal's current stay) and an update after one commit touch a few
segments, not 100,000 objects.  They live in
:class:`~pipeline_tui.storage.cachefile.Segments` by opportunity id, so an
update rewrites the segments of the deals it touched, not a 150 MB file;
each deal's current stay (all ``list`` needs) sits in segments of its own.
The small file (head, config versions) names the token each segment must
carry: a segment from another write (a crash between the two), damaged or
missing, reads as stale and the cache is rebuilt.  Every file is written
atomically and scoped to the package version, this format, the folder's
place in its work tree and the record classes' fields
(:mod:`pipeline_tui.storage.cachefile`); a cache that cannot be read (other
version, damaged, other folder) is rebuilt.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core.timeline import (
    FieldChange,
    StageInterval,
    StayMark,
    Timeline,
    interval_of,
    mark_of,
)
from pipeline_tui.git import log
from pipeline_tui.history.events import ConfigVersion, Event, History, event_order
from pipeline_tui.history.fold import derive, is_void, with_changes
from pipeline_tui.history.reader import Progress, read_history, resolve_changes
from pipeline_tui.storage.cachefile import CacheFile, Segments, segment_of
from pipeline_tui.storage.pickling import Packer, collector_paused

CACHE_FILE = "history.pickle"
SEGMENT_STEM = "history"
STAYS_STEM = "history-stays"
#: The single entries file of format 6, removed when a newer cache is written.
OLD_PACKED_FILE = "history-entries.pickle"
_FORMAT = 11  # 11: stays as plain marks; 10: no hidden files (opportunities/.x/)
_CLASSES = (Timeline, StageInterval, FieldChange, Event, ConfigVersion)
#: One segment: pickled events by opportunity id, and the pickled timelines
#: (``dict[str, Timeline]``) of the segment's opportunities, all in one.
Segment = tuple[dict[str, bytes], bytes]
#: A segment's timelines before any is kept: what ``pickle.dumps({})`` reads as.
_NO_TIMELINES = pickle.dumps({})
#: Told each live deal's current stay (as the stays segments keep it, and the head
#: they are read up to) as soon as a full build has derived them, before the
#: pickling and saving that follow.
StaysReady = Callable[[str | None, dict[str, StayMark]], None]


def cache_file(root: Path, prefix: str) -> CacheFile:
    """The small file (head, config versions, segment tokens) of ``root``'s cache.

    ``prefix`` is ``root`` relative to its work tree: a cache made for one
    pipeline folder of a repository is not another folder's.
    """
    return CacheFile.of(root, CACHE_FILE, _FORMAT, prefix, classes=_CLASSES)


@dataclass
class CacheState:
    """The cache: events and timelines pickled in segments plus what every reader needs at once."""

    head: str | None
    next_seq: int
    config: list[ConfigVersion]
    segments: Segments = field(repr=False)
    stay_segments: Segments = field(repr=False)
    _timelines: dict[str, Timeline] | None = field(default=None, repr=False)
    _marks: dict[str, StayMark] | None = field(default=None, repr=False)
    #: Segment index -> its timelines, once unpickled.
    _unpacked: dict[int, dict[str, Timeline]] = field(default_factory=dict, repr=False)

    @property
    def marks(self) -> dict[str, StayMark]:
        """Each deal's current stay (not deleted, creation not undone): all ``list`` reads.

        Kept apart from the entries, as plain values (:data:`StayMark`: several
        times faster to load than 100,000 intervals, and printed as they are),
        in segments of their own.
        """
        if self._marks is None:
            found: dict[str, StayMark] = {}
            for index in self.stay_segments.indexes():
                kept = self.stay_segments.get(index)
                if not isinstance(kept, dict):
                    raise _Stale
                found.update(kept)
            self._marks = found
        return self._marks

    @property
    def stays(self) -> dict[str, StageInterval]:
        """:attr:`marks` as intervals."""
        return {opp_id: interval_of(mark) for opp_id, mark in self.marks.items()}

    def _set_stay(self, opp_id: str, stay: StageInterval | None) -> None:
        index = segment_of(opp_id)
        kept = self.stay_segments.get(index)
        if not isinstance(kept, dict):
            raise _Stale
        self.stay_segments.put(index, kept)
        if stay is None:
            kept.pop(opp_id, None)
            if self._marks is not None:
                self._marks.pop(opp_id, None)
            return
        kept[opp_id] = mark = mark_of(stay)
        if self._marks is not None:
            self._marks[opp_id] = mark

    def segment(self, opp_id: str) -> Segment:
        """The segment holding ``opp_id`` (read on first use; :class:`_Stale` if it is not ours)."""
        return self._segment(segment_of(opp_id))

    def _segment(self, index: int) -> Segment:
        found = self.segments.get(index)
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], bytes)):
            raise _Stale
        return found

    def verify(self, entries: bool) -> None:
        """Read now what the caller will use (every entry, or the stays), so a stale
        segment is found inside :func:`fresh`, where it means "rebuild"."""
        if not entries:
            self.marks  # noqa: B018  (raises _Stale)
            return
        for index in self.segments.indexes():
            self._segment(index)

    def _segment_timelines(self, index: int) -> dict[str, Timeline]:
        """The timelines of segment ``index``, unpickled once (and kept while this state lives)."""
        found = self._unpacked.get(index)
        if found is None:
            found = self._unpacked[index] = pickle.loads(self._segment(index)[1])
        return found

    def timeline(self, opp_id: str) -> Timeline | None:
        """One opportunity's timeline (None: never existed, or its creation undone)."""
        return self._segment_timelines(segment_of(opp_id)).get(opp_id)

    @property
    def timelines(self) -> dict[str, Timeline]:
        """Every timeline (unpickled on first use)."""
        if self._timelines is None:
            found: dict[str, Timeline] = {}
            for index in self.segments.indexes():
                found.update(self._segment_timelines(index))
            self._timelines = found
        return self._timelines

    @property
    def history(self) -> History:
        """All events (unpickled on each call: only ``as_of`` needs them all)."""
        events = {
            k: pickle.loads(v)
            for index in self.segments.indexes()
            for k, v in self._segment(index)[0].items()
        }
        return History(self.head, events, list(self.config), self.next_seq)

    def absorb(
        self,
        newer: History,
        file: CacheFile,
        derived: dict[str, Timeline] | None = None,
    ) -> None:
        """Add a newer slice of history, re-deriving only the opportunities it touched.

        Segment by segment, each pickled again once its deals are done: a cold
        build never holds every timeline at once unless a caller asked for them.
        ``derived``: the timelines of a full build's deals, already derived
        from ``newer`` alone (:meth:`build`), so they are not derived again;
        each is taken out of it once kept, so a pickled segment's are freed.
        """
        # two picklers: clearing one's memo costs what its largest value grew it to,
        # and a segment's timelines would make that the cost of every deal's events
        pack, pack_timelines = file.packer(), file.packer()
        touched: dict[int, list[str]] = {}
        for opp_id in newer.events:
            touched.setdefault(segment_of(opp_id), []).append(opp_id)
        for index, opp_ids in sorted(touched.items()):
            for opp_id in opp_ids:
                events = newer.events[opp_id]  # sorted by the reader
                if derived is not None:
                    self._put(opp_id, events, pack, derived.pop(opp_id))
                    continue
                known = self._segment(index)[0].get(opp_id)
                if known:
                    events = [*pickle.loads(known), *events]
                    events.sort(key=event_order)
                self._put(opp_id, events, pack, derive(opp_id, events))
            self._pack(index, pack_timelines)
        self.config = sorted([*self.config, *newer.config], key=event_order)
        self.head, self.next_seq = newer.head, newer.next_seq

    def _put(self, opp_id: str, events: list[Event], pack: Packer, timeline: Timeline) -> None:
        """Keep one deal's events and timeline (its segment's pickle is made by :meth:`_pack`)."""
        index = segment_of(opp_id)
        self._segment(index)[0][opp_id] = pack(events)
        timelines = self._segment_timelines(index)
        if is_void(timeline):  # its creation was undone: kept events, no timeline
            timelines.pop(opp_id, None)
            if self._timelines is not None:
                self._timelines.pop(opp_id, None)
            self._set_stay(opp_id, None)
            return
        timelines[opp_id] = timeline
        if self._timelines is not None:
            self._timelines[opp_id] = timeline
        self._set_stay(opp_id, live_stay(timeline))

    def _pack(self, index: int, pack: Packer) -> None:
        """Pickle segment ``index``'s timelines again, for the next save.

        The unpickled ones are kept only while a caller holds every timeline
        (then they are the same objects); otherwise they are read again on use.
        """
        timelines = (
            self._unpacked[index] if self._timelines is not None else self._unpacked.pop(index)
        )
        self.segments.put(index, (self._segment(index)[0], pack(timelines)))

    @classmethod
    def build(
        cls, history: History, file: CacheFile, stays_ready: StaysReady | None = None
    ) -> CacheState:
        """The cache of a whole history read from scratch.

        Every timeline is derived first, so ``stays_ready`` hears the live
        deals' current stays before the pickling (a tenth of a cold build)
        begins: a ``list`` waiting in another process needs nothing else.
        A read that left field changes for later (``read_history(defer=True)``)
        is folded for the stays first, which need only stages, and then again
        once the changes are computed.
        """
        state = cls(history.head, history.next_seq, [], _segments(file, {}), _stays(file, {}))
        derived = {opp_id: derive(opp_id, events) for opp_id, events in history.events.items()}
        if stays_ready is not None:
            stays = {}
            for opp_id, timeline in derived.items():
                stay = live_stay(timeline)  # a void timeline has no stages, so no stay
                if stay is not None:
                    stays[opp_id] = mark_of(stay)
            stays_ready(history.head, stays)
        if history.unresolved:
            resolve_changes(history)
            derived = {
                opp_id: with_changes(derived[opp_id], events)
                for opp_id, events in history.events.items()
            }
        state.absorb(history, file, derived)
        return state


def live_stay(timeline: Timeline) -> StageInterval | None:
    """The stay a deal's current stage began with (None: deleted, or never in a stage)."""
    return timeline.current if timeline.current is not None and not timeline.deleted else None


def _segments(file: CacheFile, tokens: Mapping[int, str]) -> Segments:
    return Segments(file, SEGMENT_STEM, tokens, empty=lambda: ({}, _NO_TIMELINES))


def _stays(file: CacheFile, tokens: Mapping[int, str]) -> Segments:
    return Segments(file, STAYS_STEM, tokens, empty=dict)


class _Stale(Exception):
    """A segment does not belong to the small file (written by another run, damaged, missing)."""


def fresh(
    root: Path,
    progress: Progress | None,
    *,
    entries: bool = True,
    known: CacheState | None = None,
    stays_ready: StaysReady | None = None,
) -> CacheState:
    """The cache brought up to date with HEAD (read, extended or rebuilt, then saved).

    ``entries=False`` promises to use only ``marks``/``stays`` (what ``list`` needs), so
    the per-opportunity file is not even opened when HEAD has not moved.
    ``known`` is the state already read from this cache (by
    :mod:`~pipeline_tui.history.prefetch_worker`, which may have brought it up
    to date in a second process): it is checked like one read here.
    ``stays_ready`` hears the current stays early when the cache is built
    from scratch (see :meth:`CacheState.build`), and not otherwise.
    """
    _git_dir, prefix, head = log.locate(root)
    file = cache_file(root, prefix)
    state = known if known is not None else read(file)
    try:
        if state is not None and state.head == head:
            state.verify(entries)
            return state
        if (
            state is not None
            and state.head is not None
            and head is not None
            and log.is_ancestor(root, state.head, head)
        ):
            with collector_paused():  # no cycles to find among the new events
                state.absorb(read_history(root, state.head, state.next_seq, progress), file)
                _write(file, state)
            state.verify(entries)
            return state
    except _Stale:
        pass
    with file.building():  # one full build at a time; a second builder waits, then reads it
        saved = read(file)
        if saved is not None and saved.head == head:
            try:
                saved.verify(entries)
                return saved
            except _Stale:
                pass
        with collector_paused():  # a quarter of the build's CPU, finding nothing to free
            history = read_history(root, progress=progress, defer=stays_ready is not None)
            state = CacheState.build(history, file, stays_ready)
            _write(file, state)
    return state


def read(file: CacheFile) -> CacheState | None:
    """The state saved in ``file``, if it was saved under the same scope."""
    stored = file.load()
    if not isinstance(stored, tuple) or len(stored) != 5 or not isinstance(stored[4], dict):
        return None
    head, next_seq, config, tokens, stay_tokens = stored
    return CacheState(head, next_seq, config, _segments(file, tokens), _stays(file, stay_tokens))


def _write(file: CacheFile, state: CacheState) -> None:
    """Write the changed segments, then the small file naming them; a failure only costs speed.

    Each replacement is atomic, and the small file names the token each
    segment must carry, so a crash in between leaves segments that read as stale.
    """
    tokens = state.segments.save()
    stay_tokens = state.stay_segments.save() if tokens is not None else None
    small = (state.head, state.next_seq, state.config, tokens, stay_tokens)
    if stay_tokens is not None and file.save(small):
        old = file.beside(OLD_PACKED_FILE).path
        if old is not None:
            old.unlink(missing_ok=True)
