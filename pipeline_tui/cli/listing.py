"""What ``pipeline list`` prints, and printing it again from a snapshot while nothing changed.

Why: a warm ``pipeline list --json`` at 10,000 deals must cost no more than
Taskwarrior's ``task list`` (issue 16).  Loading the pipeline and its history
through the caches still costs a second; so the plain forms (``pipeline list``,
``list --json``, ``list --csv``, no filter, default sort) keep their output
in a :class:`~pipeline_tui.storage.snapshot.Snapshot`, and the entry point
(:func:`serve_warm`) prints it before Click or the rest of the program is
imported.  Only the clock-dependent part is computed at print time: each
deal's ``days_in_stage`` (and ``stage_entered`` of an uncommitted move).

This module imports neither Click nor the workspace, so the warm path stays
light; the ``list`` command (:mod:`.records`) builds its output with the same
functions, so both paths print the same bytes.
"""

from __future__ import annotations

import json
import operator
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline_tui.core import clock
from pipeline_tui.core.errors import ExitCode, PipelineError
from pipeline_tui.core.timeline import (
    SECONDS_PER_DAY,
    StayMark,
    micros,
)
from pipeline_tui.i18n import chosen_language
from pipeline_tui.storage.cachefile import CacheFile
from pipeline_tui.storage.files import open_root
from pipeline_tui.storage.pickling import collector_paused
from pipeline_tui.storage.snapshot import FileKey, Fingerprint, Snapshot, fingerprint
from pipeline_tui.tabular import Format
from pipeline_tui.terminal_text import printable

if TYPE_CHECKING:  # the warm path never builds lines: no need to import the model
    from pipeline_tui.core.config import PipelineConfig
    from pipeline_tui.core.model import Opportunity, Pipeline
    from pipeline_tui.storage.parsecache import FileEntries, ParseCache
    from pipeline_tui.storage.store import Store

#: A ``list --json`` line in three parts: its head (the deal's fields and
#: path, made terminal-safe once by :func:`~pipeline_tui.terminal_text.printable`),
#: the history's part, and what the clock adds to it.  For a stay read from
#: git the middle ends at ``"days_in_stage": `` and the stay is given as
#: (entered, left) in microseconds since the epoch (exact, and quick to keep and
#: count with); for an uncommitted move the middle is empty and the stay None
#: (entered now); when the stay began before a shallow clone the middle ends
#: the line (:data:`COMPLETE`).  Kept apart so that no line is copied whole
#: before the one copy that prints it.
JsonLine = tuple[str, str, tuple[int, int | None] | bool | None]
COMPLETE = True


def days_between(entered: int, left: int | None, now: int) -> float:
    """:func:`~pipeline_tui.core.timeline.stay_days` on microseconds: the very same float.

    ``timedelta.total_seconds()`` is its microseconds divided by 10**6, so the
    same integers divided the same way give the same bits.
    """
    return max(0.0, ((left if left is not None else now) - entered) / 10**6 / SECONDS_PER_DAY)


@dataclass(frozen=True)
class Listing:
    """The output of one plain ``pipeline list``: stdout (a text or JSON lines), stderr lines."""

    fmt: Format
    text: str
    lines: tuple[JsonLine, ...]
    problems: tuple[str, ...]
    #: A file had errors (it is left out): the command exits 1 once all is printed.
    failed: bool = False


def json_lines(
    records: Sequence[Opportunity],
    texts: Mapping[str, str],
    marks: Sequence[StayMark | bool | None],
) -> tuple[JsonLine, ...]:
    """Each record's ``list --json`` line, up to the clock-dependent history columns.

    The fields come as JSON text from the parse cache (``texts``, by path);
    ``marks`` are the records' stays, in order (:func:`~pipeline_tui.history.marks_of`).
    """
    return tuple(
        line_of_mark(line_head(r, texts.get(r.path)), mark)
        for r, mark in zip(records, marks, strict=True)
    )


def line_head(record: Opportunity, fields: str | None) -> str:
    """A record's ``list --json`` line up to its history columns (``fields``: its data as JSON)."""
    if fields is None:
        fields = data_json(record)
    path = encode_basestring(record.path)  # what json.dumps does for a str, minus its set-up
    return printable(f"  {fields[:-1]}, " if fields != "{}" else "  {") + f'"path": {path}, '


def data_json(record: Opportunity) -> str:
    """A record's data as one line of JSON (dates as ISO text), as the parse cache keeps it."""
    from pipeline_tui.core.model import jsonable

    return json.dumps(jsonable(record.data), ensure_ascii=False)


#: The end of a line whose stay began before a shallow clone's history.
_UNKNOWN_STAY = '"stage_entered": null, "days_in_stage": null}'


def line_of_mark(head: str, mark: StayMark | bool | None) -> JsonLine:
    """A line from its head and the deal's current stay, as ``history.marks_of`` gives it.

    None: the stay began before a shallow clone; ``UNCOMMITTED``: entered now.
    """
    if mark is None:
        return (head, _UNKNOWN_STAY, COMPLETE)
    if not isinstance(mark, tuple):  # UNCOMMITTED: entered now
        return (head, "", None)
    # ISO dates are plain ASCII: their JSON is the text in quotes
    return (head, f'"stage_entered": "{mark[1]}", "days_in_stage": ', (mark[2], mark[4]))


def marked_lines(
    deals: Sequence[Row], marks: Sequence[StayMark | bool | None]
) -> tuple[JsonLine, ...]:
    """The lines of kept rows with their deals' stays: :func:`line_of_mark` of each, inline.

    100,000 calls of it are a tenth of a second of a listing after a commit.
    """
    lines: list[JsonLine] = []
    add = lines.append
    for row, mark in zip(deals, marks, strict=True):
        if isinstance(mark, tuple):
            add((row[3], f'"stage_entered": "{mark[1]}", "days_in_stage": ', (mark[2], mark[4])))
        else:
            add(line_of_mark(row[3], mark))
    return tuple(lines)


def stage_order(config: PipelineConfig) -> Callable[[str, str], tuple[int, str]]:
    """How a plain ``list`` sorts: (stage, casefolded title) -> (stage's place in config, title)."""
    places: dict[str, int] = {}

    def key(stage: str, title: str) -> tuple[int, str]:
        place = places.get(stage)
        if place is None:
            place = places[stage] = config.stage_index(stage)
        return (place, title)

    return key


#: How many lines :func:`json_pieces` joins into one piece.
_PIECE = 2048


def json_pieces(lines: Sequence[JsonLine], now: datetime) -> Iterator[str]:
    """``list --json``'s text, one object per line with days counted up to ``now``.

    In pieces of a few thousand lines, to be written one by one.

    Why: at 100,000 deals the text is 60 MB, and making it one string (then
    one more with the newline, then its bytes) copied it three times over.
    A float's ``repr`` is its JSON, so no encoder runs here.
    """
    if not lines:
        yield "[]"
        return
    now_us = micros(now)
    days_now = days_between(now_us, None, now_us)
    entered_now = f'"stage_entered": "{now.isoformat()}", "days_in_stage": {days_now!r}}}'
    for start in range(0, len(lines), _PIECE):
        out: list[str] = []
        add = out.append
        for head, middle, stay in lines[start : start + _PIECE]:
            if type(stay) is tuple:
                add(f"{head}{middle}{days_between(stay[0], stay[1], now_us)!r}}}")
            elif stay is None:
                add(f"{head}{entered_now}")
            else:
                add(f"{head}{middle}")
        yield ("[\n" if start == 0 else ",\n") + ",\n".join(out)
    yield "\n]"


# ------------------------------------------------------------------ rows: a listing after a change
#
# After one commit the snapshot misses, and rebuilding the listing from the
# parse cache means unpickling every record: seconds at 100,000 deals.  So
# each file's part of the listing is kept too, as a compact row, with the
# file's stat (the parse cache's rule, :class:`~pipeline_tui.storage.parsecache.FileEntries`):
# a miss reads only the files that changed and sorts the rows again.

#: One file's part of a plain ``list --json``: (id, stage, sort key (stage's
#: place in the config and casefolded title, as one string), line head,
#: problems as printed); id None when the file gave no record.  Rows are kept
#: per config, so the stage's place may be kept too.
Row = tuple[str | None, str, str, str, tuple[str, ...]]
_ROWS = "list-rows"
#: A miss reads at most this many changed files one by one; beyond, the full load runs.
FEW_CHANGED = 500


@dataclass(frozen=True)
class Rows:
    """A plain listing's deals in order (rows with an id) and its problems, in file order."""

    deals: list[Row]
    problems: list[str]
    failed: bool = False  # a file gave no record (it has errors)


def row_of(
    config: PipelineConfig,
    record: Opportunity | None,
    problems: Sequence[object],
    fields: str | None,
) -> Row:
    """The row of a file that gave ``record`` (or None) and ``problems``."""
    said = tuple(str(p) for p in problems)
    if record is None:
        return (None, "", "", "", said)
    place, title = _order_of(config)(record.stage, record.title.casefold())
    key = f"{place:06d}\0{title}"  # sorts as (place, title) does, but compares faster
    return (record.id, record.stage, key, line_head(record, fields), said)


_orders: list[tuple[PipelineConfig, Callable[[str, str], tuple[int, str]]]] = []


def _order_of(config: PipelineConfig) -> Callable[[str, str], tuple[int, str]]:
    """:func:`stage_order` of ``config``, made once for the rows of many files, not per row."""
    if not _orders or _orders[0][0] is not config:
        _orders[:] = [(config, stage_order(config))]
    return _orders[0][1]


def row_store(root: Path, config: PipelineConfig) -> FileEntries:
    """The kept rows of ``root``, for ``config`` and the language chosen now."""
    from pipeline_tui.storage.parsecache import FileEntries

    scope = (_LISTING_FORMAT, chosen_language(), root)
    file = CacheFile.of(root, f"{_ROWS}.pickle", *scope, classes=())
    rows = FileEntries(file, _ROWS)
    rows.use_config_repr(repr(config))
    return rows


def listed_rows(store: Store, config: PipelineConfig, files: Mapping[str, FileKey]) -> Rows | None:
    """The plain listing of the files a fingerprint saw, reading only those that changed.

    None when more than a few changed (the full load runs, with its progress
    bar, and :func:`remember_rows` keeps its rows) or when two files claim
    one id (the full load reports which).
    """
    rows = row_store(store.root, config)
    found, missing = rows.fresh(files)
    if len(missing) > max(1, min(FEW_CHANGED, len(files) // 10)):
        return None
    if missing:
        store.parse_cache.use_config(config)
    for name in missing:
        found[name], read_ns = _read_row(store, config, name, files[name])
        rows.put(name, files[name], found[name], read_ns)
    rows.keep_only(files.keys())
    rows.save()
    store.parse_cache.save()  # the parsed pipeline.yaml, if it was read this time
    ordered = [found[name] for name in sorted(files)]  # Store's order: problems come in it
    deals = [row for row in ordered if row[0] is not None]
    if len({row[0] for row in deals}) != len(deals):
        return None
    deals.sort(key=_SORT_KEY)  # stable: equal keys stay in file order, as in a full load
    said = [said for row in ordered for said in row[4]]
    return Rows(deals, said, any(row[0] is None for row in ordered))


_SORT_KEY = operator.itemgetter(2)


def _read_row(store: Store, config: PipelineConfig, name: str, key: FileKey) -> tuple[Row, int]:
    """A changed file's row and when it was read: from the parse cache, else parsed now."""
    cached = store.parse_cache.lookup(name, key)
    if cached is not None:
        (record, problems, fields), read_ns = cached
        return row_of(config, record, problems, fields), read_ns
    read_ns = time.time_ns()  # before reading: a write after this makes the row racy
    record, problems = store.load_file(store.opportunities_dir / name, config)
    return row_of(config, record, problems, None), read_ns


def remember_rows(
    store: Store,
    config: PipelineConfig,
    files: Mapping[str, FileKey],
    loaded: tuple[Pipeline, Mapping[str, str]] | None = None,
) -> None:
    """After a full load: keep each file's row, from what the parse cache now holds.

    ``loaded`` is that load's answer (the pipeline and each record's JSON):
    a file that gave a record and no problem takes its row from there, not
    from unpickling its parse-cache entry again (half a second of a cold
    ``list`` at 10,000 deals).  Only while the problems read back from the
    other files' entries are all of the load's problems, so none went
    unseen; otherwise, and with duplicate ids, every row comes from the cache.
    """
    rows = row_store(store.root, config)
    cache = store.parse_cache
    kept, missing = rows.fresh(files)
    said = sum(len(row[4]) for row in kept.values())  # problems of the rows still as kept
    if loaded is None or not _remember_loaded(rows, cache, config, files, missing, loaded, said):
        for name in missing:
            _remember_cached(rows, cache, config, name, files[name])
    rows.keep_only(files.keys())
    rows.save()


def _remember_loaded(
    rows: FileEntries,
    cache: ParseCache,
    config: PipelineConfig,
    files: Mapping[str, FileKey],
    missing: Sequence[str],
    loaded: tuple[Pipeline, Mapping[str, str]],
    said: int,
) -> bool:
    """:func:`remember_rows` from the load's records; False if they cannot be trusted for it.

    ``said``: how many problems the rows kept from before hold.
    """
    from pipeline_tui.core.config import OPPORTUNITIES_DIR

    pipeline, texts = loaded
    if len(texts) != len(pipeline.opportunities):
        return False  # ids claimed twice: a dropped record is in no file's row here
    records = {record.path: record for record in pipeline.opportunities}
    noisy = {problem.path for problem in pipeline.problems}
    counted = said
    for name in missing:
        key = files[name]
        rel = f"{OPPORTUNITIES_DIR}/{name}"
        record = records.get(rel)
        entry = cache.files.entry(name)
        if record is None or rel in noisy or entry is None or entry[0] != key:
            counted += _remember_cached(rows, cache, config, name, key)
        else:
            rows.put(name, key, row_of(config, record, (), texts.get(rel)), entry[1])
    return counted == len(pipeline.problems)


def _remember_cached(
    rows: FileEntries, cache: ParseCache, config: PipelineConfig, name: str, key: FileKey
) -> int:
    """Keep one file's row from its parse-cache entry; how many problems it holds."""
    cached = cache.lookup(name, key, settled=False)
    if cached is None:
        return 0
    (record, problems, fields), read_ns = cached
    rows.put(name, key, row_of(config, record, problems, fields), read_ns)
    return len(problems)


# ------------------------------------------------------------------ the snapshot


#: Bump when :class:`Listing` or :data:`JsonLine` change meaning.
_LISTING_FORMAT = 7  # 5: a listing says whether a file had errors; 6: currency warnings; 7: tabs


def snapshot_of(root: Path, fmt: Format) -> Snapshot:
    """The kept listing in ``fmt``, in the language chosen now (headers and problems differ)."""
    return Snapshot(root, f"list-{fmt.value}", _LISTING_FORMAT, chosen_language())


#: The fingerprint :func:`serve_warm` took and missed with, by folder: the full
#: command that runs next keeps its result under it (taken before it read anything).
_missed: dict[Path, Fingerprint | None] = {}


def fingerprint_before_reading(root: Path) -> Fingerprint | None:
    """The fingerprint to keep this run's listing under: the warm path's, else a new one.

    Taken (or reused) before the pipeline is read, so a file changed while the
    command runs makes the kept result miss next time, never lie.
    """
    if root in _missed:
        return _missed.pop(root)
    return fingerprint(root)


def keep(root: Path, taken: Fingerprint | None, listing: Listing) -> None:
    """Keep a plain listing for the next run (only if ``taken`` was settled)."""
    if taken is not None:
        snapshot_of(root, listing.fmt).put(taken, listing)


def serve_warm(argv: Sequence[str]) -> bool:
    """Print a plain ``list`` from its snapshot if nothing changed since; False otherwise.

    Anything but ``[--repo PATH] list [--json | --csv]``, a stream that is not
    UTF-8, a pipeline that cannot be opened, or a stale or missing snapshot
    returns False without printing, and the full command runs (and reports
    any error itself).
    """
    parsed = _plain_list(argv)
    if parsed is None or not all(_utf8(s) for s in (sys.stdout, sys.stderr)):
        return False
    repo, fmt = parsed
    try:
        root = open_root(repo)
    except PipelineError:
        return False
    # 100,000 stat tuples and as many lines, no cycle among them; the walk's
    # live on (in ``_missed``) for the command that runs on a miss
    with collector_paused(freeze=True):
        current = fingerprint(root)
        listing = snapshot_of(root, fmt).get(current) if current is not None else None
        served = isinstance(listing, Listing) and listing.fmt is fmt
        if isinstance(listing, Listing) and served:
            print_listing(listing, clock.now(), sys.stdout, sys.stderr)
    if served:
        if isinstance(listing, Listing) and listing.failed:
            raise SystemExit(ExitCode.PROBLEMS)
        return True
    _missed[root] = current
    if fmt is Format.JSON:
        _read_history_beside(root)
    return False


def _read_history_beside(root: Path) -> None:
    """Start the history's second process for the ``list --json`` that runs next.

    Started here, before Click and the command's own imports and its walk
    of the folder, it brings a cold history cache up to date that much
    sooner: at 10,000 deals that history read, not the work tree, is what a
    cold ``list --json`` waits for.  The command's own
    :func:`~pipeline_tui.history.prefetch` then finds it running.
    """
    from pipeline_tui.history import prefetch

    prefetch(root, watched=sys.stderr.isatty())  # the bar of cli.history.progress_bar


def print_listing(listing: Listing, now: datetime, out: Any, err: Any) -> None:
    """Write a listing as ``echo`` would: terminal-safe text, one newline after each.

    JSON lines are terminal-safe already (:func:`json_lines`); a table or CSV
    text is made so here.
    """
    if listing.fmt is Format.JSON:
        for piece in json_pieces(listing.lines, now):
            out.write(piece)
    else:
        out.write(printable(listing.text))
    out.write("\n")
    out.flush()
    for line in listing.problems:
        err.write(printable(line) + "\n")
    err.flush()


_FORMATS = {"--json": Format.JSON, "--csv": Format.CSV}


def _plain_list(argv: Sequence[str]) -> tuple[Path | None, Format] | None:
    """(``--repo`` or None, format) for ``[--repo PATH] list [--json|--csv]``, else None."""
    args = list(argv)
    repo: Path | None = None
    if args[:1] == ["--repo"] and len(args) >= 2:
        repo, args = Path(args[1]), args[2:]
    elif args and args[0].startswith("--repo="):
        repo, args = Path(args[0].removeprefix("--repo=")), args[1:]
    if repo is not None and not str(repo):
        return None
    if not args or args[0] != "list" or len(args) > 2:
        return None
    if len(args) == 1:
        return repo, Format.TABLE
    fmt = _FORMATS.get(args[1])
    return (repo, fmt) if fmt is not None else None


def _utf8(stream: Any) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "") == "utf8"
