"""The pipeline folder: ``pipeline.yaml`` plus one file per opportunity.

Loading never raises for one bad file: it returns the good records plus
:class:`Problem` values naming file, line and field.  Writing goes through
:mod:`pipeline_tui.yaml.edit` (round-trip) and :func:`.files.atomic_write`.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR, PipelineConfig
from pipeline_tui.core.errors import BadRequest, InvalidData, NotFound, RepoError
from pipeline_tui.core.model import (
    ID_PATTERN,
    Opportunity,
    Pipeline,
    Problem,
)
from pipeline_tui.i18n import _
from pipeline_tui.storage.beside import CHILD_SHARE, FORK_FROM, Beside, may_fork
from pipeline_tui.storage.filecheck import (
    Checked,
    check_opportunity_text,
    config_text_problems,
    from_cache,
    read_checked,
    read_job,
)
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.storage.layout import (
    Layout,
    file_id,
    is_deal_path,
    relative_path,
    walk_deal_files,
)
from pipeline_tui.storage.parsecache import Key, ParseCache, stat_key
from pipeline_tui.storage.readers import AHEAD, Child, ReadAhead, in_job_order, share_of
from pipeline_tui.yaml.read import decode, parse_document, parse_fast

if TYPE_CHECKING:  # the round-trip editor (ruamel) is imported by the writes that use it,
    from ruamel.yaml.comments import CommentedMap  # and finding deals by words (rapidfuzz)

    from pipeline_tui.core.finding import DealKey  # by the look-ups: `validate` needs neither

#: Hears how a load goes: (the valid records read so far, files done, files in all).
LoadProgress = Callable[[Sequence[Opportunity], int, int], None]


@dataclass(frozen=True)
class Store:
    """A pipeline folder on disk: ``pipeline.yaml`` plus ``opportunities/``.

    Each store keeps its own :attr:`parse_cache`, so loading twice through
    one store (a workspace, the board) reuses what the first load parsed,
    while a new ``Store`` starts from the cache file, as a new process does.
    """

    root: Path

    @functools.cached_property
    def parse_cache(self) -> ParseCache:
        """Parses of this folder's files, read from ``.git/`` on first use."""
        return ParseCache(self.root)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @functools.cached_property
    def opportunities_dir(self) -> Path:
        return self.root / OPPORTUNITIES_DIR

    @functools.cached_property
    def _name_start(self) -> int:
        """Where a cache name starts in an entry's path (computed once: 10,000 calls a load)."""
        return len(str(self.opportunities_dir)) + 1

    def relpath(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @property
    def layout(self) -> Layout:
        """The folder layout ``pipeline.yaml`` asks for (see :mod:`.layout`)."""
        return "sharded" if self.load_config().layout == "sharded" else "flat"

    def opportunity_path(self, opp_id: str) -> Path:
        """The file of ``opp_id``: where it is (either layout), else where a new one goes.

        Refuses ids that could escape ``opportunities/``.
        """
        _check_id(opp_id)
        preferred = self.layout
        for layout in (preferred, "flat" if preferred == "sharded" else "sharded"):
            path = self.root / relative_path(opp_id, layout)
            if path.is_file():
                return path
        return self.root / relative_path(opp_id, preferred)

    def opportunity_files(self) -> list[Path]:
        """Every ``*.yaml`` under ``opportunities/``, at any depth, sorted by path.

        Hidden files and folders (``.x``) are skipped, and so is anything whose
        real location is outside the pipeline folder (a symlink to ``/etc``),
        so no file from outside the repository is ever served as a deal.
        """
        return [Path(entry.path) for entry in self.opportunity_entries()]

    def opportunity_entries(self) -> list[os.DirEntry[str]]:
        """:meth:`opportunity_files` as directory entries (their stat is cached)."""
        return self._scan()[0]

    def _scan(self) -> tuple[list[os.DirEntry[str]], list[tuple[str, str]]]:
        """(deal file entries sorted by path, (path, why) of the files under it left unread)."""
        if not self.opportunities_dir.is_dir():
            return [], []
        found: list[os.DirEntry[str]] = []
        refused: list[tuple[str, str]] = []
        walk_deal_files(self.opportunities_dir, self.root.resolve(), found, refused)
        found.sort(key=lambda entry: entry.path)
        return found, sorted((self.relpath(Path(path)), why) for path, why in refused)

    # ----------------------------------------------------------------- reading

    def load_config(self) -> PipelineConfig:
        """The parsed config; raises :class:`InvalidData` since nothing works without it."""
        path = CONFIG_FILE
        cache = self.parse_cache
        try:
            key = stat_key(self.config_path.stat())
            cached = cache.get_config(key)
            if isinstance(cached, PipelineConfig):
                return cached
            raw = self.config_path.read_bytes()
        except OSError as exc:
            raise RepoError(
                _("cannot read {config_path}: {strerror}").format(
                    config_path=self.config_path, strerror=exc.strerror
                )
            ) from exc
        problems = config_text_problems(raw, path)
        if problems:
            raise InvalidData(
                _("{CONFIG_FILE} is invalid, fix it first:").format(CONFIG_FILE=CONFIG_FILE),
                problems,
            )
        config = PipelineConfig.from_mapping(parse_fast(raw.decode("utf-8")))
        cache.put_config(key, config)
        return config

    def load(
        self, config: PipelineConfig | None = None, progress: LoadProgress | None = None
    ) -> Pipeline:
        """Every opportunity that is valid, plus problems for the rest."""
        return self.load_with_json(config, progress)[0]

    def load_with_json(
        self, config: PipelineConfig | None = None, progress: LoadProgress | None = None
    ) -> tuple[Pipeline, dict[str, str]]:
        """:meth:`load`, plus each valid record's data as JSON text, keyed by path.

        The JSON is made once per file version and kept in the parse cache, so
        ``list --json`` at 10,000 deals does not encode 10,000 records again.
        ``progress`` hears after every file (the valid records so far, files
        done, files in all), so a first read of 10,000 files can be shown as
        it goes instead of after a silent wait.
        """
        config = config or self.load_config()
        cache = self.parse_cache
        cache.use_config(config)
        records: list[Opportunity] = []
        problems: list[Problem] = []
        texts: dict[str, str] = {}
        names: set[str] = set()
        entries, refused = self._scan()
        problems.extend(Problem(path, _(why)) for path, why in refused)
        for done, (name, (record, found, text)) in enumerate(
            self._checked_entries(entries, config, cache), 1
        ):
            names.add(name)
            problems.extend(found)
            if record is not None:
                records.append(record)
                texts[record.path] = text
            if progress is not None:
                progress(records, done, len(entries))
        cache.keep_only(names)
        cache.save()
        records, duplicates = _drop_duplicate_ids(records)
        return Pipeline(config, tuple(records), tuple(problems + duplicates)), texts

    def _cache_name(self, entry: os.DirEntry[str]) -> str:
        """The parse cache's key for a file: its path below ``opportunities/``."""
        return entry.path[self._name_start :]

    def entry_relpath(self, entry: os.DirEntry[str]) -> str:
        """:meth:`relpath` of a scanned entry, as problems name it (no ``Path`` made per file)."""
        return _rel_of(self._cache_name(entry))

    def read_ahead(self, share: float = CHILD_SHARE) -> bool:
        """Fork the reader of a cold load to come now, while this process has one thread.

        Why: a large cold load reads part of its files in a forked child on
        the second core (:mod:`.beside`), but only a process with one thread
        may fork, and the board loads in a worker thread of a running app.
        ``pipeline tui`` calls this before the app starts, where it costs a
        fork and nothing more: the child walks the folder and reads the last
        ``share`` of its files beside the app's start-up (:func:`_read_share`);
        the load takes its results over, each only for a file whose ``stat``
        is unchanged since (any other file it reads itself), and all of them
        only if ``pipeline.yaml`` is too.  Nothing is forked where forking is
        not safe (:func:`.beside.may_fork`), once a parse cache was saved (a
        warm load needs no help), or when a reader was started for this folder.
        """
        if self.root in AHEAD or not may_fork(FORK_FROM) or self.parse_cache.saved:
            return False
        forked_ns = time.time_ns()  # the child reads every file after this
        beside = Beside([(self.root, share)], _read_share, self.parse_cache.file.classes)
        AHEAD[self.root] = ReadAhead(share, beside, forked_ns)
        return True

    def _checked_entries(
        self, entries: list[os.DirEntry[str]], config: PipelineConfig, cache: ParseCache
    ) -> Iterator[tuple[str, Checked]]:
        """(cache name, check) of every entry in order, from the cache where the file is unchanged.

        When thousands of files are not in the cache and a second core is free
        (:func:`.beside.may_fork`), a forked child reads the last part of them
        while this process reads the rest (or the child :meth:`read_ahead`
        forked before); otherwise one file after another, so a progress
        callback hears of each file as soon as it is read.  The child sends
        its files' checks back in one pickle (records as the parse cache
        pickles them: quick to read back); this process keeps them in the
        cache with its own.
        """
        ahead = AHEAD.pop(self.root, None)
        if ahead is None and not may_fork(len(entries)):
            for entry in entries:
                name = self._cache_name(entry)
                yield name, self._load_cached(entry, name, config, cache, _stat_key(entry))
            return
        names = [self._cache_name(entry) for entry in entries]
        keys = [_stat_key(entry) for entry in entries]
        hits = cache.get_all(names, keys)
        misses = [index for index, hit in enumerate(hits) if hit is None]
        child: Child | None = None
        if ahead is not None:
            tail = share_of(misses, ahead.share)
            collect = ahead.matched(tail, names, keys, config)
            child = Child(ahead.beside, tail, collect, ahead.forked_ns)
        elif may_fork(len(misses)):
            tail = share_of(misses, CHILD_SHARE)
            jobs = [(entries[i].path, _rel_of(names[i]), config) for i in tail]
            forked_ns = time.time_ns()
            beside = Beside(jobs, read_job, cache.file.classes)
            collect = functools.partial(in_job_order, beside, tail)
            child = Child(beside, tail, collect, forked_ns)
        try:
            yield from self._take_over(entries, names, keys, hits, child, config, cache)
        finally:
            if child is not None:
                child.beside.close()  # a load abandoned before the child's files: stop it

    def _take_over(
        self,
        entries: list[os.DirEntry[str]],
        names: list[str],
        keys: list[Key | None],
        hits: list[Any],
        child: Child | None,
        config: PipelineConfig,
        cache: ParseCache,
    ) -> Iterator[tuple[str, Checked]]:
        """The second half of :meth:`_checked_entries`: every entry in order, the child's too."""
        taken = frozenset(child.tail) if child is not None else frozenset()
        found: Mapping[int, Any] | None = None
        for index, entry in enumerate(entries):
            name, key, hit = names[index], keys[index], hits[index]
            if hit is None and index in taken:
                if found is None and child is not None:  # its first file: wait for all
                    found = child.collect()  # empty: the child failed, files are read here
                hit = found.get(index) if found is not None else None
                if hit is not None and key is not None and child is not None:
                    cache.put(name, key, hit, child.read_ns)  # racy as of the child's read
            if hit is None:  # not in the cache (looked up above): read it here
                yield name, self._read_and_keep(entry, name, config, cache, key)
            else:
                yield name, from_cache(hit)

    def _load_cached(
        self,
        entry: os.DirEntry[str],
        name: str,
        config: PipelineConfig,
        cache: ParseCache,
        key: Key | None,
    ) -> Checked:
        """:meth:`load_file` and the record's JSON, reused while the file is unchanged."""
        hit = None if key is None else cache.get(name, key)
        if hit is None:
            return self._read_and_keep(entry, name, config, cache, key)
        return from_cache(hit)

    def _read_and_keep(
        self,
        entry: os.DirEntry[str],
        name: str,
        config: PipelineConfig,
        cache: ParseCache,
        key: Key | None,
    ) -> Checked:
        """Read and check a file the cache does not hold, and keep it there (if it has a key)."""
        checked = read_checked(entry.path, _rel_of(name), config)
        if key is not None:
            cache.put(name, key, tuple(checked))  # plain, as the cache keeps it
        return checked

    def load_file(
        self, file: Path, config: PipelineConfig
    ) -> tuple[Opportunity | None, list[Problem]]:
        record, problems, _text = read_checked(file, self.relpath(file), config)
        return record, problems

    def existing_path(self, opp_id: str) -> Path:
        """The file of an opportunity that exists, or :class:`NotFound`."""
        path = self.find_path(opp_id)
        if path is None:
            missing = self.relpath(self.opportunity_path(opp_id))
            from pipeline_tui.core.finding import did_you_mean

            hint = did_you_mean(opp_id, self.deal_keys())
            raise NotFound(
                _("no opportunity {opp_id!r} ({missing} does not exist){hint}").format(
                    opp_id=opp_id, missing=missing, hint=hint
                )
            )
        return path

    def find_path(self, opp_id: str) -> Path | None:
        """Where ``opp_id``'s file is, in either layout or anywhere under ``opportunities/``.

        A file a person dropped elsewhere is found by its name (which must be
        the id), at the cost of one folder walk when it is in neither place.
        """
        path = self.opportunity_path(opp_id)
        if path.is_file():
            return path
        name = f"{opp_id}.yaml"
        return next((f for f in self.opportunity_files() if f.name == name), None)

    def find(self, query: str, config: PipelineConfig | None = None) -> str:
        """The id ``query`` names: the id itself, a unique id prefix, or words of a deal.

        Several matches are refused listing them (exit 2, like a usage error);
        none leaves ``query`` as it is, for the command's own "no opportunity"
        message (which :meth:`existing_path` completes with "did you mean").
        Only a query that is not an existing id reads the deals.
        """
        query = query.strip()
        if ID_PATTERN.match(query) and ".." not in query and self.opportunity_path(query).is_file():
            return query
        from pipeline_tui.core.finding import find_deals

        found = find_deals(query, self.deal_keys(config))
        if len(found) == 1:
            return found[0].id
        if len(found) > 1:
            shown = "\n".join(f"  {k.label}" for k in found[:_CANDIDATES_SHOWN])
            more = len(found) - _CANDIDATES_SHOWN
            tail = f"\n  ... and {more} more" if more > 0 else ""
            raise BadRequest(
                _("{query!r} matches {n_found} deals; say which:\n{shown}{tail}").format(
                    query=query, n_found=len(found), shown=shown, tail=tail
                )
            )
        return query

    def deal_keys(self, config: PipelineConfig | None = None) -> list[DealKey]:
        """What every deal in the work tree is found by (see :mod:`~.core.finding`).

        A file with errors is found by its id too (a few letters of it), so
        ``show`` says what is wrong with it and ``resolve`` can settle the
        conflicts a sync recorded in it, instead of "no opportunity".
        """
        from pipeline_tui.core.finding import key_of

        pipeline = self.load(config)
        records = pipeline.opportunities
        valid = {record.id for record in records}
        keys = [key_of(record.id, record.data) for record in records]
        folder = f"{OPPORTUNITIES_DIR}/"
        named = (p.path for p in pipeline.problems if p.severity == "error")
        deal_files = (path for path in named if path.startswith(folder))
        broken = {file_id(path) for path in deal_files if is_deal_path(path[len(folder) :])}
        broken -= valid
        return keys + [key_of(opp_id, {}) for opp_id in sorted(broken)]

    def get(self, opp_id: str, config: PipelineConfig) -> Opportunity:
        """One opportunity by id, or a clear error naming its problems."""
        path = self.existing_path(opp_id)
        record, problems = self.load_file(path, config)
        if record is None:
            message = _("{relpath} is invalid:").format(relpath=self.relpath(path))
            raise InvalidData(message, problems)
        return record

    def read_mapping(self, opp_id: str) -> Mapping[str, Any]:
        """The parsed fields of one file, valid or not (so a broken one can be repaired)."""
        path = self.existing_path(opp_id)
        text, problems = decode(path.read_bytes(), self.relpath(path))
        data, more = parse_document(text, self.relpath(path)) if text is not None else (None, [])
        if not isinstance(data, Mapping):
            not_mapping = Problem(self.relpath(path), _("not a mapping of fields"), 1)
            reason = problems + more or [not_mapping]
            raise InvalidData(
                _("{relpath} cannot be read; fix it in an editor:").format(
                    relpath=self.relpath(path)
                ),
                reason,
            )
        return data

    # ----------------------------------------------------------------- writing

    def render_new(self, fields: Mapping[str, Any]) -> str:
        """YAML text for a new opportunity, fields in contract order."""
        from pipeline_tui.yaml.edit import render_new

        return render_new(fields)

    def render_edit(self, path: Path, mutate: Callable[[CommentedMap], None]) -> tuple[str, str]:
        """Apply ``mutate`` to the round-trip tree of ``path``: (old text, new text)."""
        from pipeline_tui.yaml.edit import edit_text

        with path.open(encoding="utf-8", newline="") as handle:
            old = handle.read()
        return old, edit_text(old, mutate, self.relpath(path))

    def validated(self, path: Path, text: str, config: PipelineConfig) -> Opportunity:
        """The record ``text`` would be, or :class:`InvalidData` before anything is written."""
        record, problems = check_opportunity_text(text, self.relpath(path), config)
        errors = [p for p in problems if p.severity == "error"]
        if record is None or errors:
            raise InvalidData(
                _("refused: the change would make {relpath} invalid (nothing written):").format(
                    relpath=self.relpath(path)
                ),
                errors or problems,
            )
        return record

    def write_config_text(self, text: str) -> None:
        self.validated_config(text)
        atomic_write(self.config_path, text)

    def validated_config(self, text: str) -> PipelineConfig:
        """The config ``text`` would be, or :class:`InvalidData` before anything is written."""
        problems = config_text_problems(text.encode("utf-8"), CONFIG_FILE)
        if problems:
            raise InvalidData(
                _("refused: {CONFIG_FILE} would be invalid (nothing written):").format(
                    CONFIG_FILE=CONFIG_FILE
                ),
                problems,
            )
        return PipelineConfig.from_mapping(parse_fast(text))


_CANDIDATES_SHOWN = 10


def _check_id(opp_id: str) -> None:
    if not ID_PATTERN.match(opp_id) or ".." in opp_id:
        raise BadRequest(
            _(
                "invalid id {opp_id!r}: use lower-case letters, digits, '-', '_' or "
                "'.' (no slashes, no '..')"
            ).format(opp_id=opp_id)
        )


def _rel_of(name: str) -> str:
    """A deal file's path as problems name it, from its cache name (its path below the folder)."""
    return f"{OPPORTUNITIES_DIR}/{name}"


def _stat_key(entry: os.DirEntry[str]) -> Key | None:
    """The parse cache's key for the file now (None: it cannot be stat'ed, so no cache)."""
    try:
        return stat_key(entry.stat())
    except OSError:
        return None


def _read_share(job: tuple[Path, float]) -> tuple[str, dict[str, tuple[Key, tuple[Any, ...]]]]:
    """A reader forked ahead (in the child): the config it read, and name -> (stat key, check).

    It walks and picks its files as the load will (:func:`.readers.share_of` of a
    cold load's files: all of them), so the parent paid only for the fork.
    """
    root, share = job
    store = Store(root)
    config = store.load_config()
    entries = store._scan()[0]
    read: dict[str, tuple[Key, tuple[Any, ...]]] = {}
    if len(entries) >= FORK_FROM:
        for index in share_of(list(range(len(entries))), share):
            entry = entries[index]
            key = _stat_key(entry)
            if key is not None:
                check = read_checked(entry.path, store.entry_relpath(entry), config)
                read[store._cache_name(entry)] = (key, tuple(check))
    return repr(config), read


def _drop_duplicate_ids(records: list[Opportunity]) -> tuple[list[Opportunity], list[Problem]]:
    """Ids must be unique; every file after the first claiming an id is reported."""
    seen: dict[str, Opportunity] = {}
    kept: list[Opportunity] = []
    problems: list[Problem] = []
    for record in records:
        first = seen.get(record.id)
        if first is None:
            seen[record.id] = record
            kept.append(record)
        else:
            problems.append(
                Problem(
                    record.path,
                    _("duplicate id {id!r}, also in {path}").format(id=record.id, path=first.path),
                    1,
                    "id",
                )
            )
    return kept, problems
