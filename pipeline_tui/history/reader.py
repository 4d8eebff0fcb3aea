"""Reading the log: one ``git log`` pass and one ``git cat-file`` stream become events.

1. one streaming ``git log -c --raw --no-renames`` over ``opportunities/`` and
   ``pipeline.yaml`` (:mod:`pipeline_tui.git.log`), plus one ``git cat-file
   --batch`` for the file versions it names;
2. each commit becomes per-opportunity :class:`~.events.Event` values:
   created, changed (with the stage it moved to and the field changes it
   made) or deleted.  Identity is the ``id`` inside the file, so a rename is
   a change.

Times are author dates; a change counts once, at the commit that introduced
it (merges contribute only what they changed themselves, so a teammate's
pulled-in commits keep their own dates).  Hand edits count exactly like CLI
edits: only file contents are read; the one thing taken from a message is
the ``This reverts commit <sha>.`` line of a revert (``pipeline undo`` or
``git revert``), so an undone change can count as never having happened.
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR
from pipeline_tui.git import log
from pipeline_tui.history.diff import (
    Change,
    Version,
    changed_blocks,
    field_changes,
    same_top,
    split,
)
from pipeline_tui.history.events import ConfigVersion, Event, History, event_order
from pipeline_tui.storage.layout import is_deal_path
from pipeline_tui.yaml.blocks import BlockReader

#: Called with (commits done, commits in all) while the log is read.
Progress = Callable[[int, int], None]
LOG_PATHS = (f"{OPPORTUNITIES_DIR}/", CONFIG_FILE)


def read_history(
    root: Path,
    since: str | None = None,
    first_seq: int = 0,
    progress: Progress | None = None,
    *,
    defer: bool = False,
) -> History:
    """Events from one ``git log`` pass: all of history, or only commits after ``since``.

    ``defer=True`` leaves the field changes of ordinary commits to
    :func:`resolve_changes` (their events carry none until then; the
    changed blocks are kept): stays need only stages, and a cold build
    hands them over before it spends a third of the read on values.
    """
    _git_dir, prefix, sha = log.locate(root)
    if sha is None:
        return History(None, {}, [], first_seq)
    revisions = [sha] if since is None else [sha, f"^{since}"]
    # counted beside the log, and only for a progress report
    counting = log.CommitCount(root, revisions) if progress is not None else None
    reader = _Reader(root, defer)
    pending: list[tuple[_Stamp, list[_RawEvent]]] = []
    configs: list[tuple[int, _Stamp, str | None]] = []
    try:
        for index, commit, wanted in _prefetched(root, revisions, prefix, reader.blobs):
            raw, config_blob = reader.commit_events(commit, wanted)
            # only what the events need: the commit's file list is dropped here
            stamp = (commit.at, commit.sha, reader.shared(commit.author), commit.reverts)
            pending.append((stamp, raw))
            if config_blob is not _NO_CONFIG:
                configs.append((index, stamp, config_blob))
            if counting is not None and progress is not None and index % 200 == 0:
                progress(index, counting.total())
    finally:
        reader.close()
        if counting is not None:
            counting.close()
    count = len(pending)
    events: dict[str, list[Event]] = defaultdict(list)
    later: dict[int, tuple[Version, Version]] = {}
    for index, ((at, commit_sha, author, reverts), raw) in enumerate(pending):
        seq = first_seq + count - index
        for opp_id, path, blob, stage, changes, created in raw:
            known = () if isinstance(changes, _Later) else changes
            event = Event(at, seq, commit_sha, author, path, blob, stage, known, created, reverts)
            events[opp_id].append(event)
            if isinstance(changes, _Later):
                later[id(event)] = changes.versions
        pending[index] = _DONE  # folded: its raw events can go
    for opp_events in events.values():
        opp_events.sort(key=event_order)
    config = sorted(
        (ConfigVersion(stamp[0], first_seq + count - i, blob) for i, stamp, blob in configs),
        key=event_order,
    )
    if counting is not None and progress is not None:
        progress(counting.total(), counting.total())
    history = History(sha, dict(events), config, first_seq + count + 1)
    history.unresolved = later
    return history


def resolve_changes(history: History) -> None:
    """The field changes a ``defer=True`` read left for later, computed into its events."""
    later = history.unresolved
    if not later:
        return
    for opp_events in history.events.values():
        for index, event in enumerate(opp_events):
            versions = later.pop(id(event), None)
            if versions is not None:
                opp_events[index] = replace(event, changes=field_changes(*versions))
    history.unresolved = {}


class _Later(NamedTuple):
    """Field changes left for :func:`resolve_changes`: two versions cut to their changed blocks."""

    versions: tuple[Version, Version]


#: (author date, commit, author, commits it reverts): what events take from a commit.
_Stamp = tuple[datetime, str, str, tuple[str, ...]]
# (id, path, blob, stage it moved to, field changes (or left for later), created)
_RawEvent = tuple[str, str, str | None, str | None, tuple[Change, ...] | _Later, bool]
_NO_CONFIG = "\0none"
_DONE: tuple[_Stamp, list[_RawEvent]] = ((datetime.min, "", "", ()), [])


class _Reader:
    """Turns commits into raw events, reading and splitting each blob once.

    A split version is kept only until the commit that made it has been
    read (the log runs newest first, so by then its newer neighbour has been
    diffed against it): at 100,000 deals, keeping all 370,000 versions would
    take gigabytes.  A version needed again after that (a file brought back
    to an earlier content, as a revert does) is usually among the last
    :data:`_RECENT` dropped, which are kept aside; only an older one is read
    again from git (a round trip to a second ``cat-file`` that the reader
    waits for: 235 of them at 10,000 deals, every one within 3,200 commits).
    """

    def __init__(self, root: Path, defer: bool = False) -> None:
        self.root = root
        self.defer = defer
        self.blobs = log.BlobReader(root)
        self.cache: dict[str, Version] = {}
        self.parser = BlockReader()
        self.strings: dict[str, str] = {}
        # the last _RECENT dropped, oldest first: an OrderedDict, as a plain dict's
        # oldest key is found by skipping every slot deleted before it (0.15 s at 10,000 deals)
        self._dropped: OrderedDict[str, Version] = OrderedDict()
        self._again: log.BlobReader | None = None

    def close(self) -> None:
        self.blobs.close()
        if self._again is not None:
            self._again.close()

    def commit_events(
        self, commit: log.Commit, wanted: Sequence[str]
    ) -> tuple[list[_RawEvent], str | None]:
        """Raw events of one commit; ``wanted`` blobs were requested and arrive now."""
        for sha, raw in zip(wanted, self.blobs.receive(len(wanted)), strict=True):
            self.cache[sha] = split(raw, self.parser)
        config_blob: str | None = _NO_CONFIG
        changes = []
        for change in commit.changes:
            if change.path == CONFIG_FILE:
                config_blob = change.after
            elif is_opportunity(change.path):
                changes.append(change)
        if len(commit.parents) > 1:
            events = [e for c in changes if (e := self._merge_event(c)) is not None]
        else:
            events = self._plain_events(changes)
        for change in changes:  # this commit made these versions: nothing older diffs them
            if change.after is not None:
                self._drop(change.after)
        return events, config_blob

    def _drop(self, sha: str) -> None:
        """Forget a version, but keep it among the last :data:`_RECENT` dropped."""
        version = self.cache.pop(sha, None)
        if version is None:
            return
        dropped = self._dropped
        dropped[sha] = version
        if len(dropped) > _RECENT:
            dropped.popitem(last=False)

    def _version(self, sha: str) -> Version:
        """The split version of ``sha`` (read again from git if it was dropped)."""
        found = self.cache.get(sha)
        if found is None:
            found = self._dropped.pop(sha, None)
            if found is not None:
                self.cache[sha] = found
                return found
            if self._again is None:
                self._again = log.BlobReader(self.root)
            found = self.cache[sha] = split(self._again.read([sha])[0], self.parser)
        return found

    def shared(self, text: str) -> str:
        """One string object per path or author, however many events name it."""
        return self.strings.setdefault(text, text)

    def _identity(self, sha: str, path: str) -> str:
        return self._version(sha).id or _stem(path)

    def _plain_events(self, changes: Sequence[log.FileChange]) -> list[_RawEvent]:
        """An ordinary commit: pair old and new versions by the id inside them."""
        if len(changes) == 1:
            return self._one_file(changes[0])
        return self._paired(changes)

    def _one_file(self, change: log.FileChange) -> list[_RawEvent]:
        """:meth:`_paired` for a commit that changed one file (nearly all do), with no pairing."""
        old, sha = change.before[0] if change.before else None, change.after
        path = self.shared(change.path)
        if old is None:
            if sha is None:
                return []
            new = self._version(sha)
            return [(new.id or _stem(path), path, sha, new.stage, (), True)]
        previous = self._version(old)
        opp_id = previous.id or _stem(path)
        if sha is None:
            return [(opp_id, path, None, None, (), False)]
        new = self._version(sha)
        if (new.id or _stem(path)) != opp_id:  # another deal's content now: a delete and a create
            return self._paired((change,))
        stage = new.stage if new.stage is not None and new.stage != previous.stage else None
        return [(opp_id, path, sha, stage, self._changes(previous, new), False)]

    def _paired(self, changes: Sequence[log.FileChange]) -> list[_RawEvent]:
        """Old and new versions of a commit's files paired by id: changes, creations, deletions."""
        before: dict[str, tuple[str, str]] = {}
        after: dict[str, tuple[str, str]] = {}
        for change in changes:
            old = change.before[0] if change.before else None
            if old is not None:
                path = self.shared(change.path)
                before.setdefault(self._identity(old, path), (path, old))
            if change.after is not None:
                path = self.shared(change.path)
                after.setdefault(self._identity(change.after, path), (path, change.after))
        events: list[_RawEvent] = []
        for opp_id in sorted(before.keys() | after.keys()):
            old_side, new_side = before.get(opp_id), after.get(opp_id)
            if new_side is None:
                assert old_side is not None
                events.append((opp_id, old_side[0], None, None, (), False))
                continue
            path, sha = new_side
            new = self._version(sha)
            if old_side is None:
                events.append((opp_id, path, sha, new.stage, (), True))
                continue
            previous = self._version(old_side[1])
            moved = new.stage is not None and new.stage != previous.stage
            stage = new.stage if moved else None
            events.append((opp_id, path, sha, stage, self._changes(previous, new), False))
        return events

    def _changes(self, old: Version, new: Version) -> tuple[Change, ...] | _Later:
        """:func:`field_changes` now, or (``defer``) the changed blocks kept for later.

        Only the blocks whose text differs are kept, so a deferred read holds
        a few short texts per commit, not whole versions.
        """
        if not self.defer or old.blocks is None or new.blocks is None:
            return field_changes(old, new)
        return _Later(changed_blocks(old, new))

    def _merge_event(self, change: log.FileChange) -> _RawEvent | None:
        """A merge's own change to one file: only what differs from every parent."""
        parents = [self._version(sha) for sha in change.before if sha is not None]
        if change.after is None:
            if not parents:
                return None
            first = next(sha for sha in change.before if sha is not None)
            return (self._identity(first, change.path), change.path, None, None, (), False)
        new = self._version(change.after)
        opp_id = self._identity(change.after, change.path)
        if not parents:
            return (opp_id, change.path, change.after, new.stage, (), True)
        stages = {p.stage for p in parents}
        stage = new.stage if new.stage is not None and new.stage not in stages else None
        own = tuple(
            item
            for item in field_changes(parents[0], new)
            if not any(same_top(p, new, item[0].partition(".")[0]) for p in parents[1:])
        )
        return (opp_id, change.path, change.after, stage, own, False)


def _prefetched(
    root: Path, revisions: Sequence[str], prefix: str, blobs: log.BlobReader
) -> Iterator[tuple[int, log.Commit, list[str]]]:
    """Commits of the log, with the blobs they need already requested from cat-file.

    A thread reads the log and asks ``git cat-file`` for each new blob a
    commit names; the caller receives the commits in order.  So git log,
    cat-file and the Python that folds events all run at the same time.

    The two threads trade work in batches of :data:`_HANDOFF` commits, not
    one by one: each write to cat-file and each hand-over releases the GIL,
    and a thread that released it waits for the other to give it back (up to
    the interpreter's switch interval) before it runs on, so tens of thousands
    of per-commit exchanges cost seconds of waiting.  A batch is handed over
    *before* its blobs are asked for: cat-file's answers fill its output pipe
    and only the reader drains it, so asking first for a batch whose blobs
    outgrow the pipes deadlocks the three (it did, on the Maven data set).
    """
    handoff: queue.SimpleQueue[list[tuple[int, log.Commit, list[str]]] | BaseException | None]
    handoff = queue.SimpleQueue()

    def produce() -> None:
        requested: set[str] = set()
        batch: list[tuple[int, log.Commit, list[str]]] = []
        asked: list[str] = []
        try:
            commits = log.log(root, revisions, LOG_PATHS, at_top=prefix == "")
            for index, commit in enumerate(commits):
                wanted = _new_blobs(commit, requested)
                asked += wanted
                batch.append((index, commit, wanted))
                if len(batch) >= _HANDOFF:
                    handoff.put(batch)  # first: the reader must drain cat-file while we ask
                    blobs.request(asked)
                    batch, asked = [], []
            handoff.put(batch)
            blobs.request(asked)
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(exc)
        finally:
            handoff.put(None)

    thread = threading.Thread(target=produce, name="git-log-reader", daemon=True)
    thread.start()
    while (item := handoff.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield from item
    thread.join()


#: Dropped versions kept aside for a file brought back to an earlier content (see :class:`_Reader`).
_RECENT = 4096
#: Commits per hand-over between the log thread and the reader (see :func:`_prefetched`).
_HANDOFF = 256


def _new_blobs(commit: log.Commit, requested: set[str]) -> list[str]:
    """The opportunity blobs ``commit`` names that were not requested before (now marked)."""
    wanted = []
    for change in commit.changes:
        if not is_opportunity(change.path):
            continue
        for sha in (*change.before, change.after):
            if sha is not None and sha not in requested:
                requested.add(sha)
                wanted.append(sha)
    return wanted


def _stem(path: str) -> str:
    """A file's id when its content names none: its name without ``.yaml``."""
    return PurePosixPath(path).stem


_FOLDER = f"{OPPORTUNITIES_DIR}/"


def is_opportunity(path: str) -> bool:
    """Whether a path in a commit is a deal file, by the store's rule (``layout.is_deal_path``).

    So the history, ``--as-of`` and exports never count a file ``list`` does
    not read (``opportunities/.drafts/x.yaml``).
    """
    return path.startswith(_FOLDER) and is_deal_path(path[len(_FOLDER) :])
