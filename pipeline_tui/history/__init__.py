"""The history engine: every opportunity's stage timeline and field changes, from git.

Git is the only source of stage durations, so this module turns the whole
history into :class:`~pipeline_tui.core.timeline.Timeline` values in one pass:

1. one streaming ``git log -c --raw --no-renames`` over ``opportunities/`` and
   ``pipeline.yaml`` (:mod:`pipeline_tui.git.log`), plus one ``git cat-file
   --batch`` for the file versions it names;
2. each commit becomes per-opportunity :class:`Event` values: created,
   changed (with the stage it moved to and the field changes it made) or
   deleted.  Identity is the ``id`` inside the file, so a rename is a change;
3. each opportunity's events, sorted by author date, fold into its timeline.

Rules (see docs/history.md): times are author dates; a change counts once, at
the commit that introduced it (merges contribute only what they changed
themselves, so a teammate's pulled-in commits keep their own dates); moving
back opens a second interval; deleted files keep their history; a stage
changed in the work tree but not committed counts from *now*, flagged
``uncommitted``.  Hand edits count exactly like CLI edits: only file contents
are read, never commit messages.

Events are cached in ``.git/pipeline-tui/`` (:mod:`pipeline_tui.history.cache`)
and brought up to date from the commits added since.
"""

from __future__ import annotations

import pickle
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR, PipelineConfig
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model import Opportunity, Pipeline, Problem, jsonable
from pipeline_tui.core.timeline import FieldChange, StageInterval, Timeline
from pipeline_tui.git import log
from pipeline_tui.history import versions_cache
from pipeline_tui.yaml.blocks import Unsplittable, block_value, parse_fields, split_blocks

Progress = Callable[[int, int], None]
LOG_PATHS = (f"{OPPORTUNITIES_DIR}/", CONFIG_FILE)
_IGNORED_FIELDS = frozenset({"id", "stage"})


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Event:
    """What one commit did to one opportunity.

    ``stage`` is set only when the commit changed the stage (the new one);
    ``blob`` is the file version it left (None: deleted); ``seq`` orders
    commits with equal author dates (parents before children).
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

    @property
    def deleted(self) -> bool:
        return self.blob is None


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    at: datetime
    seq: int
    blob: str | None


@dataclass
class History:
    """Everything the log said: events per opportunity id, and config versions."""

    head: str | None
    events: dict[str, list[Event]]
    config: list[ConfigVersion]
    next_seq: int = 0


def _event_order(event: Event) -> tuple[datetime, int]:
    return (event.at, event.seq)


# --------------------------------------------------------------------------- public API


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
    from pipeline_tui.history import cache

    state = cache.fresh(root, progress)
    return _with_work_tree(root, dict(state.timelines), now, pipeline)


def load_timeline(
    root: Path,
    opp_id: str,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Timeline | None:
    """One opportunity's timeline: ``load_timelines(root)[opp_id]``, reading only its entry."""
    from pipeline_tui.history import cache
    from pipeline_tui.storage.store import Store

    packed = cache.fresh(root, progress).packed_timelines.get(opp_id)
    timelines = {opp_id: pickle.loads(packed)} if packed is not None else {}
    store = Store(root)
    try:
        record = store.get(opp_id, store.load_config())
    except PipelineError:  # not in the work tree (deleted, renamed away) or not valid there
        return timelines.get(opp_id)
    work_tree = Pipeline(store.load_config(), (record,))
    return _with_work_tree(root, timelines, now, work_tree).get(opp_id)


def current_stays(
    root: Path,
    pipeline: Pipeline,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, StageInterval]:
    """id -> the stay in its current stage, for each opportunity in ``pipeline``.

    The same as ``load_timelines(...)[id].current`` but without loading whole
    timelines: what ``pipeline list`` needs, fast at 10,000 deals.
    """
    from pipeline_tui.history import cache

    stays = cache.fresh(root, progress, entries=False).stays
    moment = now or datetime.now(UTC)
    result: dict[str, StageInterval] = {}
    for record in pipeline.opportunities:
        stay = stays.get(record.id)
        if stay is None or stay.stage != record.stage:
            stay = StageInterval(record.stage, moment, None, None, None, uncommitted=True)
        result[record.id] = stay
    return result


def scan_timelines(
    root: Path,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
    pipeline: Pipeline | None = None,
) -> dict[str, Timeline]:
    """The same answer as :func:`load_timelines`, computed from scratch (no cache)."""
    history = read_history(root, progress=progress)
    return _with_work_tree(root, derive_all(history), now, pipeline)


def pipeline_as_of(root: Path, when: datetime) -> Pipeline:
    """The pipeline as it stood at ``when``: files and config from history, not the work tree."""
    from pipeline_tui.history import cache

    history = cache.fresh(root, None).history
    versions = [
        version
        for events in history.events.values()
        if (version := _version_at(events, when)) is not None and _is_opportunity(version.path)
    ]
    config_blob = _config_at(history.config, when)
    if len(_as_of_memo) > _AS_OF_MEMO_LIMIT:
        _as_of_memo.clear()
    with log.BlobReader(root) as reader:
        config = _config_from(reader, config_blob, root)
        stored = versions_cache.BlobCache(root)  # parses of blobs kept across runs
        scope = versions_cache.config_key(config)
        for version in versions:
            key = (version.blob, version.path, config_blob)
            if key not in _as_of_memo and version.blob is not None:
                hit = stored.get(scope, version.blob, version.path)
                if hit is not None:
                    _as_of_memo[key] = hit
        wanted = [v for v in versions if (v.blob, v.path, config_blob) not in _as_of_memo]
        shas = [v.blob for v in wanted if v.blob is not None]
        contents = dict(zip(shas, reader.read(shas), strict=True))
    for version in wanted:
        parsed = _record_from(contents.get(version.blob or ""), version.path, config)
        _as_of_memo[(version.blob, version.path, config_blob)] = parsed
        if version.blob is not None:
            stored.put(scope, version.blob, version.path, parsed)
    stored.save()
    records: list[Opportunity] = []
    problems: list[Problem] = []
    for version in sorted(versions, key=lambda v: v.path):
        record, found = _as_of_memo[(version.blob, version.path, config_blob)]
        problems.extend(found)
        if record is not None:
            records.append(record)
    return Pipeline(config, tuple(records), tuple(problems))


#: (blob, path, config blob) -> parsed record: reports ask for many past dates,
#: and most files are the same version at each of them.
_as_of_memo: dict[tuple[str | None, str, str | None], tuple[Opportunity | None, list[Problem]]]
_as_of_memo = {}
_AS_OF_MEMO_LIMIT = 50_000


# --------------------------------------------------------------------------- reading the log


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
                    commit.at, seq, commit.sha, commit.author, path, blob, stage, changes, created
                )
            )
    for opp_events in events.values():
        opp_events.sort(key=_event_order)
    config = sorted(
        (ConfigVersion(c.at, first_seq + count - i, blob) for i, c, blob in configs),
        key=lambda v: (v.at, v.seq),
    )
    if progress is not None:
        progress(total, total)
    return History(sha, dict(events), config, first_seq + count + 1)


# (id, path, blob, stage it moved to, field changes, created)
_RawEvent = tuple[str, str, str | None, str | None, tuple[tuple[str, Any, Any], ...], bool]
_NO_CONFIG = "\0none"


@dataclass(slots=True)
class _Blob:
    """One file version, split into top-level blocks (values parsed on demand)."""

    id: str | None
    stage: str | None
    blocks: dict[str, tuple[str, ...]] | None
    data: dict[str, Any] | None

    def value(self, key: str) -> Any:
        if self.blocks is not None:
            block = self.blocks.get(key)
            return None if block is None else block_value(key, block)
        return None if self.data is None else self.data.get(key)

    def keys(self) -> Iterable[str]:
        if self.blocks is not None:
            return self.blocks.keys()
        return self.data.keys() if self.data is not None else ()


class _Reader:
    """Turns commits into raw events, reading and splitting each blob once."""

    def __init__(self, root: Path) -> None:
        self.blobs = log.BlobReader(root)
        self.cache: dict[str, _Blob] = {}

    def close(self) -> None:
        self.blobs.close()

    def commit_events(
        self, commit: log.Commit, wanted: Sequence[str]
    ) -> tuple[list[_RawEvent], str | None]:
        """Raw events of one commit; ``wanted`` blobs were requested and arrive now."""
        for sha, raw in zip(wanted, self.blobs.receive(len(wanted)), strict=True):
            self.cache[sha] = _split(raw)
        config_blob: str | None = _NO_CONFIG
        changes = []
        for change in commit.changes:
            if change.path == CONFIG_FILE:
                config_blob = change.after
            elif _is_opportunity(change.path):
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
            if not any(_same_top(p, new, item[0].partition(".")[0]) for p in parents[1:])
        )
        return (opp_id, change.path, change.after, stage, own, False)


def _prefetched(
    root: Path, revisions: Sequence[str], blobs: log.BlobReader
) -> Iterator[tuple[int, log.Commit, list[str]]]:
    """Commits of the log, with the blobs they need already requested from cat-file.

    A thread reads the log and asks ``git cat-file`` for each new blob as soon
    as a commit names it; the caller receives them in order.  So git log,
    cat-file and the Python that folds events all run at the same time.
    """
    handoff: queue.SimpleQueue[tuple[int, log.Commit, list[str]] | BaseException | None]
    handoff = queue.SimpleQueue()
    requested: set[str] = set()

    def produce() -> None:
        try:
            for index, commit in enumerate(log.log(root, revisions, LOG_PATHS)):
                wanted = []
                for change in commit.changes:
                    if not _is_opportunity(change.path):
                        continue
                    for sha in (*change.before, change.after):
                        if sha is not None and sha not in requested:
                            requested.add(sha)
                            wanted.append(sha)
                blobs.request(wanted)
                handoff.put((index, commit, wanted))
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(exc)
        finally:
            handoff.put(None)

    thread = threading.Thread(target=produce, name="git-log-reader", daemon=True)
    thread.start()
    while (item := handoff.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


def _is_opportunity(path: str) -> bool:
    return path.startswith(f"{OPPORTUNITIES_DIR}/") and path.endswith(".yaml")


def _split(raw: bytes | None) -> _Blob:
    """Id and stage of one version; blocks kept for diffing against its neighbours."""
    if raw is None:
        return _Blob(None, None, None, None)
    text = raw.decode("utf-8", errors="replace")
    try:
        blocks = split_blocks(text)
        blob = _Blob(None, None, blocks, None)
        opp_id, stage = blob.value("id"), blob.value("stage")
    except Exception:  # unusual layout or a broken block: parse the whole file
        data = parse_fields(text)
        blob = _Blob(None, None, None, data)
        opp_id, stage = blob.value("id"), blob.value("stage")
    blob.id = opp_id if isinstance(opp_id, str) else None
    blob.stage = stage if isinstance(stage, str) else None
    return blob


# --------------------------------------------------------------------------- field diffs


def field_changes(old: _Blob, new: _Blob) -> tuple[tuple[str, Any, Any], ...]:
    """(field, old, new) for every field that differs; nested keys dotted.

    Only top-level blocks whose text changed are parsed.  A list of mappings
    that grew at the end (``activities``) gives one change per new item.
    """
    if old.blocks is not None and new.blocks is not None:
        keys = [k for k in _union(old.blocks, new.blocks) if old.blocks.get(k) != new.blocks.get(k)]
    else:
        keys = list(_union(old.keys(), new.keys()))
    out: list[tuple[str, Any, Any]] = []
    for key in keys:
        if key in _IGNORED_FIELDS:
            continue
        try:
            _diff(key, old.value(key), new.value(key), out)
        except (Unsplittable, Exception):  # an unreadable block: report it whole, as text
            out.append((key, _text(old, key), _text(new, key)))
    return tuple(out)


def _union(first: Iterable[str], second: Iterable[str]) -> list[str]:
    seen = dict.fromkeys(first)
    seen.update(dict.fromkeys(second))
    return list(seen)


def _text(blob: _Blob, key: str) -> str | None:
    if blob.blocks is None or key not in blob.blocks:
        return None
    return "\n".join(blob.blocks[key])


def _diff(field: str, old: Any, new: Any, out: list[tuple[str, Any, Any]]) -> None:
    if old == new and type(old) is type(new):
        return
    if isinstance(old, Mapping | None) and isinstance(new, Mapping | None) and (old or new):
        old_map: Mapping[str, Any] = old or {}
        new_map: Mapping[str, Any] = new or {}
        for key in _union(map(str, old_map), map(str, new_map)):
            _diff(f"{field}.{key}", old_map.get(key), new_map.get(key), out)
        return
    if (
        isinstance(old, list | None)
        and isinstance(new, list)
        and len(new) > len(old or [])
        and new[: len(old or [])] == (old or [])
        and all(isinstance(item, Mapping) for item in new[len(old or []) :])
    ):
        out.extend((field, None, jsonable(item)) for item in new[len(old or []) :])
        return
    out.append((field, jsonable(old), jsonable(new)))


def _same_top(parent: _Blob, merged: _Blob, key: str) -> bool:
    """Whether the merge took top-level ``key`` unchanged from ``parent``."""
    if parent.blocks is not None and merged.blocks is not None:
        return parent.blocks.get(key) == merged.blocks.get(key)
    try:
        return bool(parent.value(key) == merged.value(key))
    except Exception:
        return False


# --------------------------------------------------------------------------- folding


def derive_all(history: History) -> dict[str, Timeline]:
    return {opp_id: derive(opp_id, events) for opp_id, events in history.events.items()}


def derive(opp_id: str, events: Sequence[Event]) -> Timeline:
    """Fold one opportunity's events (sorted by author date) into its timeline."""
    intervals: list[StageInterval] = []
    changes: list[FieldChange] = []
    deleted_at: datetime | None = None
    path = events[0].path if events else ""
    for event in events:
        if event.deleted:
            if deleted_at is None and intervals:
                deleted_at = event.at
                _close(intervals, event.at)
            continue
        path = event.path
        resurrected = deleted_at is not None
        deleted_at = None
        current = intervals[-1].stage if intervals and not resurrected else None
        if event.stage is not None and event.stage != current:
            _close(intervals, event.at)
            intervals.append(StageInterval(event.stage, event.at, None, event.commit, event.author))
        changes.extend(
            FieldChange(event.at, event.author, event.commit, field, old, new)
            for field, old, new in event.changes
        )
    return Timeline(opp_id, path, tuple(intervals), tuple(changes), deleted_at)


def _close(intervals: list[StageInterval], when: datetime) -> None:
    if intervals and intervals[-1].left is None:
        last = intervals[-1]
        intervals[-1] = StageInterval(
            last.stage, last.entered, when, last.commit, last.author, last.uncommitted
        )


# --------------------------------------------------------------------------- the work tree


def _with_work_tree(
    root: Path,
    timelines: dict[str, Timeline],
    now: datetime | None,
    pipeline: Pipeline | None,
) -> dict[str, Timeline]:
    """Add stage changes made in the work tree but not committed, counted from ``now``."""
    if pipeline is None:
        from pipeline_tui.storage.store import Store

        try:
            pipeline = Store(root).load()
        except PipelineError:
            return timelines
    moment = now or datetime.now(UTC)
    for record in pipeline.opportunities:
        known = timelines.get(record.id)
        if (
            known is not None
            and not known.deleted
            and known.current is not None
            and known.current.stage == record.stage
        ):
            continue
        timelines[record.id] = _uncommitted(known, record, moment)
    return timelines


def _uncommitted(known: Timeline | None, record: Opportunity, now: datetime) -> Timeline:
    stay = StageInterval(record.stage, now, None, None, None, uncommitted=True)
    if known is None:
        return Timeline(record.id, record.path, (stay,))
    intervals = list(known.stages)
    _close(intervals, now)
    return Timeline(record.id, record.path, (*intervals, stay), known.changes, None)


# --------------------------------------------------------------------------- as of


def _version_at(events: Sequence[Event], when: datetime) -> Event | None:
    found = None
    for event in events:
        if event.at > when:
            break
        found = event
    return None if found is None or found.deleted else found


def _config_at(versions: Sequence[ConfigVersion], when: datetime) -> str | None:
    """The config of the latest version dated at or before ``when``, else the first one."""
    found = min(versions, key=lambda v: v.seq).blob if versions else None
    for version in versions:
        if version.at > when:
            break
        found = version.blob
    return found


def _config_from(reader: log.BlobReader, blob: str | None, root: Path) -> PipelineConfig:
    """The config a past moment used (today's, if history never had one)."""
    from pipeline_tui.storage.store import Store
    from pipeline_tui.yaml.read import parse_fast

    raw = reader.read([blob])[0] if blob is not None else None
    if raw is not None:
        data = parse_fast(raw.decode("utf-8", errors="replace"))
        if isinstance(data, Mapping) and data.get("stages"):
            return PipelineConfig.from_mapping(data)
    return Store(root).load_config()


def _record_from(
    raw: bytes | None, path: str, config: PipelineConfig
) -> tuple[Opportunity | None, list[Problem]]:
    from pipeline_tui.storage.store import check_opportunity_text
    from pipeline_tui.yaml.read import decode

    if raw is None:
        return None, [Problem(path, "missing from the git object store")]
    text, problems = decode(raw, path)
    if text is None:
        return None, problems
    return check_opportunity_text(text, path, config)
