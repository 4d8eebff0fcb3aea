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
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR
from pipeline_tui.git import log
from pipeline_tui.history.diff import Change, Version, field_changes, same_top, split
from pipeline_tui.history.events import ConfigVersion, Event, History, event_order
from pipeline_tui.yaml.blocks import BlockReader

#: Called with (commits done, commits in all) while the log is read.
Progress = Callable[[int, int], None]
LOG_PATHS = (f"{OPPORTUNITIES_DIR}/", CONFIG_FILE)


def read_history(
    root: Path,
    since: str | None = None,
    first_seq: int = 0,
    progress: Progress | None = None,
) -> History:
    """Events from one ``git log`` pass: all of history, or only commits after ``since``."""
    sha = log.head(root)
    if sha is None:
        return History(None, {}, [], first_seq)
    revisions = [sha] if since is None else [sha, f"^{since}"]
    total = int(log.git(root, "rev-list", "--count", *revisions) or 0)
    reader = _Reader(root)
    pending: list[tuple[int, log.Commit, list[_RawEvent]]] = []
    configs: list[tuple[int, log.Commit, str | None]] = []
    try:
        for index, commit, wanted in _prefetched(root, revisions, reader.blobs):
            raw, config_blob = reader.commit_events(commit, wanted)
            pending.append((index, commit, raw))
            if config_blob is not _NO_CONFIG:
                configs.append((index, commit, config_blob))
            if progress is not None and index % 200 == 0:
                progress(index, total)
    finally:
        reader.close()
    count = len(pending)
    events: dict[str, list[Event]] = defaultdict(list)
    for index, commit, raw in pending:
        seq = first_seq + count - index
        for opp_id, path, blob, stage, changes, created in raw:
            events[opp_id].append(
                Event(
                    commit.at,
                    seq,
                    commit.sha,
                    commit.author,
                    path,
                    blob,
                    stage,
                    changes,
                    created,
                    commit.reverts,
                )
            )
    for opp_events in events.values():
        opp_events.sort(key=event_order)
    config = sorted(
        (ConfigVersion(c.at, first_seq + count - i, blob) for i, c, blob in configs),
        key=event_order,
    )
    if progress is not None:
        progress(total, total)
    return History(sha, dict(events), config, first_seq + count + 1)


# (id, path, blob, stage it moved to, field changes, created)
_RawEvent = tuple[str, str, str | None, str | None, tuple[Change, ...], bool]
_NO_CONFIG = "\0none"


class _Reader:
    """Turns commits into raw events, reading and splitting each blob once.

    The split versions and the parsed blocks are kept for one pass only.
    """

    def __init__(self, root: Path) -> None:
        self.blobs = log.BlobReader(root)
        self.cache: dict[str, Version] = {}
        self.parser = BlockReader()

    def close(self) -> None:
        self.blobs.close()

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
            return [e for c in changes if (e := self._merge_event(c)) is not None], config_blob
        return self._plain_events(changes), config_blob

    def _identity(self, sha: str, path: str) -> str:
        return self.cache[sha].id or PurePosixPath(path).stem

    def _plain_events(self, changes: Sequence[log.FileChange]) -> list[_RawEvent]:
        """An ordinary commit: pair old and new versions by the id inside them."""
        before: dict[str, tuple[str, str]] = {}
        after: dict[str, tuple[str, str]] = {}
        for change in changes:
            old = change.before[0] if change.before else None
            if old is not None:
                before.setdefault(self._identity(old, change.path), (change.path, old))
            if change.after is not None:
                after.setdefault(
                    self._identity(change.after, change.path), (change.path, change.after)
                )
        events: list[_RawEvent] = []
        for opp_id in sorted(before.keys() | after.keys()):
            old_side, new_side = before.get(opp_id), after.get(opp_id)
            if new_side is None:
                assert old_side is not None
                events.append((opp_id, old_side[0], None, None, (), False))
                continue
            path, sha = new_side
            new = self.cache[sha]
            if old_side is None:
                events.append((opp_id, path, sha, new.stage, (), True))
                continue
            previous = self.cache[old_side[1]]
            moved = new.stage is not None and new.stage != previous.stage
            stage = new.stage if moved else None
            events.append((opp_id, path, sha, stage, field_changes(previous, new), False))
        return events

    def _merge_event(self, change: log.FileChange) -> _RawEvent | None:
        """A merge's own change to one file: only what differs from every parent."""
        parents = [self.cache[sha] for sha in change.before if sha is not None]
        if change.after is None:
            if not parents:
                return None
            first = next(sha for sha in change.before if sha is not None)
            return (self._identity(first, change.path), change.path, None, None, (), False)
        new = self.cache[change.after]
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
    root: Path, revisions: Sequence[str], blobs: log.BlobReader
) -> Iterator[tuple[int, log.Commit, list[str]]]:
    """Commits of the log, with the blobs they need already requested from cat-file.

    A thread reads the log and asks ``git cat-file`` for each new blob a
    commit names; the caller receives the commits in order.  So git log,
    cat-file and the Python that folds events all run at the same time.

    The two threads trade work in batches of :data:`_HANDOFF` commits, not
    one by one: each write to cat-file and each hand-over releases the GIL,
    and a thread that released it waits for the other to give it back (up to
    the interpreter's switch interval) before it runs on, so tens of thousands
    of per-commit exchanges cost seconds of waiting.
    """
    handoff: queue.SimpleQueue[list[tuple[int, log.Commit, list[str]]] | BaseException | None]
    handoff = queue.SimpleQueue()

    def produce() -> None:
        requested: set[str] = set()
        batch: list[tuple[int, log.Commit, list[str]]] = []
        asked: list[str] = []
        try:
            for index, commit in enumerate(log.log(root, revisions, LOG_PATHS)):
                wanted = _new_blobs(commit, requested)
                asked += wanted
                batch.append((index, commit, wanted))
                if len(batch) >= _HANDOFF:
                    blobs.request(asked)
                    handoff.put(batch)
                    batch, asked = [], []
            blobs.request(asked)
            handoff.put(batch)
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


def is_opportunity(path: str) -> bool:
    return path.startswith(f"{OPPORTUNITIES_DIR}/") and path.endswith(".yaml")
