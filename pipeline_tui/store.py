"""Plain-file storage: the only module that reads and writes pipeline YAML.

Two parsers, each where it pays:

* reading uses ruamel's C-based safe loader (fast; the history engine parses
  thousands of blobs with it);
* editing uses ruamel round-trip mode so comments, key order, quoting and
  blank lines the user wrote survive, and every write is validated first and
  then lands atomically (temp file, fsync, rename).

Loading never raises for one bad file: it returns the good records plus
:class:`Problem` values naming file, line and field.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from pipeline_tui import parsecache
from pipeline_tui.config import CONFIG_FILE, OPPORTUNITIES_DIR, PipelineConfig
from pipeline_tui.errors import BadRequest, InvalidData, NotFound, RepoError
from pipeline_tui.model import (
    ID_PATTERN,
    KNOWN_FIELDS,
    Opportunity,
    Pipeline,
    Problem,
    jsonable,
    same_value,
)
from pipeline_tui.validation import Locator, config_problems, opportunity_problems

ROOT_ENV = "PIPELINE_REPO"
_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)", re.MULTILINE)
_local = threading.local()


# --------------------------------------------------------------------------- parsing


def parse_fast(text: str) -> Any:
    """Parse YAML for reading only (C safe loader when available).

    libyaml follows YAML 1.1 and rejects some YAML 1.2 that the documented
    format uses (``{at: 2026-09-02T09:30:00+00:00}``: a ``:`` inside a plain
    scalar in a flow mapping), so a document the C loader refuses is parsed
    again by ruamel's pure-Python safe loader, which decides.
    """
    loader: YAML | None = getattr(_local, "safe", None)
    if loader is None:
        loader = _local.safe = YAML(typ="safe")
    try:
        return loader.load(text)
    except MarkedYAMLError:
        if loader.Parser.__module__.startswith("ruamel.yaml.parser"):
            raise  # already the pure-Python parser: the error is real
        return _pure_safe_loader().load(text)


def parse_scalar(raw: str) -> Any:
    """A value typed on the command line: numbers, dates, booleans and ``[a, b]`` lists
    are YAML; everything else is kept verbatim as text.

    Reading ``#2 follow-up`` or ``Re: renewal`` as YAML would cut a comment or
    make a mapping, so only values YAML reads as a plain scalar (or a flow
    list when written with brackets) are typed.  Empty or ``null`` unsets.
    """
    text = raw.strip()
    if not text or text in ("null", "~"):
        return None
    try:
        value = parse_fast(text)
    except YAMLError:
        return raw
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    if (
        isinstance(value, list)
        and text.startswith("[")
        and not any(isinstance(v, dict | list) for v in value)
    ):
        return value
    if isinstance(value, bool | int | float | date):
        return value
    return raw


def _pure_safe_loader() -> YAML:
    loader: YAML | None = getattr(_local, "pure", None)
    if loader is None:
        loader = _local.pure = YAML(typ="safe", pure=True)
    return loader


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text of a file, or a problem naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(path, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line)]


def parse_document(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse one file's text; problems for conflict markers and YAML errors."""
    marker = _CONFLICT_MARKER.search(text)
    if marker:
        line = text.count("\n", 0, marker.start()) + 1
        return None, [
            Problem(path, "unresolved merge conflict markers (see `pipeline resolve`)", line)
        ]
    try:
        return parse_fast(text), []
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(path, f"YAML syntax error: {reason}", where)]
    except YAMLError as exc:
        return None, [Problem(path, f"YAML error: {exc}", None)]


def roundtrip_locator(text: str) -> Locator:
    """Line numbers for key paths, from ruamel's round-trip parse (only on problems)."""
    try:
        tree = _roundtrip_yaml().load(text)
    except YAMLError:
        return lambda _path: None

    def locate(key_path: Sequence[str | int]) -> int | None:
        node: Any = tree
        line: int = 0
        for key in key_path:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = node.lc.item(key)[0]
            else:
                return None
            node = node[key]
        return line + 1

    return locate


def check_opportunity_text(
    text: str, path: str, config: PipelineConfig
) -> tuple[Opportunity | None, list[Problem]]:
    """Parse and validate one opportunity's text; the record only if it has no errors."""
    data, problems = parse_document(text, path)
    if problems:
        return None, problems
    problems = opportunity_problems(data, path, config)
    if problems:  # re-check with line numbers; the fast path found something
        problems = opportunity_problems(data, path, config, roundtrip_locator(text))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Opportunity.from_mapping(data, path), problems


# --------------------------------------------------------------------------- the repo


def find_root(start: Path | None = None) -> Path:
    """The pipeline repo: ``$PIPELINE_REPO``, else walk up to a ``pipeline.yaml``."""
    env = os.environ.get(ROOT_ENV)
    if start is None and env:
        start = Path(env)
        if not (start / CONFIG_FILE).is_file():
            raise RepoError(f"{ROOT_ENV}={env}: no {CONFIG_FILE} there")
        return start.resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise RepoError(
        f"no {CONFIG_FILE} in {here} or any parent folder: "
        "run `pipeline init DIR`, or pass --repo PATH"
    )


@dataclass(frozen=True)
class Store:
    """A pipeline folder on disk: ``pipeline.yaml`` plus ``opportunities/``."""

    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def opportunities_dir(self) -> Path:
        return self.root / OPPORTUNITIES_DIR

    def relpath(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def opportunity_path(self, opp_id: str) -> Path:
        """The file for ``opp_id``; refuses ids that could escape ``opportunities/``."""
        if not ID_PATTERN.match(opp_id) or ".." in opp_id:
            raise BadRequest(
                f"invalid id {opp_id!r}: use lower-case letters, digits, '-', '_' or '.' "
                "(no slashes, no '..')"
            )
        path = self.opportunities_dir / f"{opp_id}.yaml"
        if path.resolve().parent != self.opportunities_dir.resolve():
            raise BadRequest(f"id {opp_id!r} would escape {OPPORTUNITIES_DIR}/")
        return path

    def opportunity_files(self) -> list[Path]:
        if not self.opportunities_dir.is_dir():
            return []
        return sorted(self.opportunities_dir.glob("*.yaml"), key=lambda p: p.name)

    # ----------------------------------------------------------------- reading

    def load_config(self) -> PipelineConfig:
        """The parsed config; raises :class:`InvalidData` since nothing works without it."""
        path = CONFIG_FILE
        cache = parsecache.for_root(self.root)
        try:
            key = parsecache.stat_key(self.config_path.stat())
            cached = cache.get_config(key)
            if isinstance(cached, PipelineConfig):
                return cached
            raw = self.config_path.read_bytes()
        except OSError as exc:
            raise RepoError(f"cannot read {self.config_path}: {exc.strerror}") from exc
        problems = config_text_problems(raw, path)
        if problems:
            raise InvalidData(f"{CONFIG_FILE} is invalid, fix it first:", problems)
        config = PipelineConfig.from_mapping(parse_fast(raw.decode("utf-8")))
        cache.put_config(key, config)
        return config

    def load(self, config: PipelineConfig | None = None) -> Pipeline:
        """Every opportunity that is valid, plus problems for the rest."""
        return self.load_with_json(config)[0]

    def load_with_json(
        self, config: PipelineConfig | None = None
    ) -> tuple[Pipeline, dict[str, str]]:
        """:meth:`load`, plus each valid record's data as JSON text, keyed by path.

        The JSON is made once per file version and kept in the parse cache, so
        ``list --json`` at 10,000 deals does not encode 10,000 records again.
        """
        config = config or self.load_config()
        cache = parsecache.for_root(self.root)
        cache.use_config(config)
        records: list[Opportunity] = []
        problems: list[Problem] = []
        texts: dict[str, str] = {}
        names: set[str] = set()
        for file in self.opportunity_files():
            record, found, text = self._load_cached(file, config, cache)
            names.add(file.name)
            problems.extend(found)
            if record is not None:
                records.append(record)
                texts[record.path] = text
        cache.keep_only(names)
        cache.save()
        records, duplicates = _drop_duplicate_ids(records)
        return Pipeline(config, tuple(records), tuple(problems + duplicates)), texts

    def _load_cached(
        self, file: Path, config: PipelineConfig, cache: parsecache.ParseCache
    ) -> tuple[Opportunity | None, list[Problem], str]:
        """:meth:`load_file` and the record's JSON, reused while the file is unchanged."""
        try:
            key = parsecache.stat_key(file.stat())
        except OSError:
            record, problems = self.load_file(file, config)
            return record, problems, _data_json(record)
        hit = cache.get(file.name, key)
        if hit is None:
            record, problems = self.load_file(file, config)
            hit = (record, problems, _data_json(record))
            cache.put(file.name, key, hit)
        record, problems, text = hit
        return record, list(problems), text

    def load_file(
        self, file: Path, config: PipelineConfig
    ) -> tuple[Opportunity | None, list[Problem]]:
        rel = self.relpath(file)
        try:
            raw = file.read_bytes()
        except OSError as exc:
            return None, [Problem(rel, f"cannot read: {exc.strerror}")]
        text, problems = decode(raw, rel)
        if text is None:
            return None, problems
        return check_opportunity_text(text, rel, config)

    def existing_path(self, opp_id: str) -> Path:
        """The file of an opportunity that exists, or :class:`NotFound`."""
        path = self.opportunity_path(opp_id)
        if not path.is_file():
            raise NotFound(f"no opportunity {opp_id!r} ({self.relpath(path)} does not exist)")
        return path

    def get(self, opp_id: str, config: PipelineConfig) -> Opportunity:
        """One opportunity by id, or a clear error naming its problems."""
        path = self.existing_path(opp_id)
        record, problems = self.load_file(path, config)
        if record is None:
            raise InvalidData(f"{self.relpath(path)} is invalid:", problems)
        return record

    def read_mapping(self, opp_id: str) -> Mapping[str, Any]:
        """The parsed fields of one file, valid or not (so a broken one can be repaired)."""
        path = self.existing_path(opp_id)
        text, problems = decode(path.read_bytes(), self.relpath(path))
        data, more = parse_document(text, self.relpath(path)) if text is not None else (None, [])
        if not isinstance(data, Mapping):
            reason = problems + more or [Problem(self.relpath(path), "not a mapping of fields", 1)]
            raise InvalidData(f"{self.relpath(path)} cannot be read; fix it in an editor:", reason)
        return data

    # ----------------------------------------------------------------- writing

    def render_new(self, fields: Mapping[str, Any]) -> str:
        """YAML text for a new opportunity, fields in contract order."""
        tree = CommentedMap()
        for key, value in fields.items():
            tree[key] = _to_node(value, flow=key != "activities")
        return _dump(_roundtrip_yaml(), tree)

    def render_edit(self, path: Path, mutate: Callable[[CommentedMap], None]) -> tuple[str, str]:
        """Apply ``mutate`` to the round-trip tree of ``path``: (old text, new text).

        Line endings (CRLF from a Windows editor) and a leading BOM are kept,
        so an edit still changes only the lines it must.
        """
        with path.open(encoding="utf-8", newline="") as handle:
            old = handle.read()
        yaml = _roundtrip_yaml(old)
        tree = yaml.load(old.removeprefix("\ufeff"))
        if not isinstance(tree, CommentedMap):
            raise InvalidData(f"{self.relpath(path)}: the file must hold a mapping of fields")
        mutate(tree)
        new = _dump(yaml, tree)
        if "\r\n" in old:
            new = new.replace("\n", "\r\n")
        return old, ("\ufeff" + new if old.startswith("\ufeff") else new)

    def validated(self, path: Path, text: str, config: PipelineConfig) -> Opportunity:
        """The record ``text`` would be, or :class:`InvalidData` before anything is written."""
        record, problems = check_opportunity_text(text, self.relpath(path), config)
        errors = [p for p in problems if p.severity == "error"]
        if record is None or errors:
            raise InvalidData(
                f"refused: the change would make {self.relpath(path)} invalid (nothing written):",
                errors or problems,
            )
        return record

    def write_config_text(self, text: str) -> None:
        problems = config_text_problems(text.encode("utf-8"), CONFIG_FILE)
        if problems:
            raise InvalidData(
                f"refused: {CONFIG_FILE} would be invalid (nothing written):", problems
            )
        atomic_write(self.config_path, text)


def top_level_scalar(text: str, key: str) -> Any:
    """The value of a one-line top-level ``key: value`` in ``text``, without parsing it all.

    An index, not a reader: importers look up ``external_id`` in thousands of
    files, where a full pure-Python parse costs a millisecond each.  None when
    the key is absent or not a one-line scalar (callers then parse the file).
    """
    match = re.search(rf"^{re.escape(key)}:[ \t]*(\S.*)$", text, re.MULTILINE)
    if match is None or match.group(1).startswith(("|", ">", "&", "*", "!", "{", "[")):
        return None
    try:
        value = parse_fast(f"v: {match.group(1)}")
    except YAMLError:
        return None
    return value.get("v") if isinstance(value, dict) else None


def render_plain_fields(fields: Mapping[str, Any]) -> str | None:
    """The text :meth:`Store.render_new` would write, for simple records; None otherwise.

    The round-trip dumper costs about a millisecond per file, which is most
    of a 10,000-row import.  Records of scalars (and flat ``contact``-style
    mappings and tag lists) are written directly here, quoting exactly where
    YAML would read a value back as something else; anything unusual returns
    None so the caller falls back to the dumper.  Tests check both agree.
    """
    if not fields:
        return None
    lines: list[str] = []
    for key, value in fields.items():
        if not _PLAIN_KEY.match(key):
            return None
        if isinstance(value, Mapping):
            items = [(k, _flow_scalar(v)) for k, v in value.items()]
            if any(text is None or not _PLAIN_KEY.match(k) for k, text in items):
                return None
            lines.append(f"{key}: {{{', '.join(f'{k}: {t}' for k, t in items)}}}")
        elif isinstance(value, list | tuple):
            texts = [_flow_scalar(v) for v in value]
            if any(t is None for t in texts):
                return None
            lines.append(f"{key}: [{', '.join(t for t in texts if t is not None)}]")
        else:
            text = _block_scalar(value)
            if text is None:
                return None
            lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SAFE_PLAIN = re.compile(r"^[A-Za-z0-9\u00c0-\uffff(][^\x00-\x1f\x7f#]*$")
_UNPRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)
_RESOLVER = VersionedResolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _block_scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if re.fullmatch(r"-?\d+\.\d+", text) else None
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo is not None else None
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value or len(value) > 1000:
        return None
    return _quoted_if_needed(value, ": ", " #")


def _flow_scalar(value: Any) -> str | None:
    if isinstance(value, str):
        if any(c in value for c in ",[]{}"):
            return None
        return _quoted_if_needed(value, ":", " #")
    if isinstance(value, Mapping | list | tuple | datetime):
        return None
    return _block_scalar(value)


def _quoted_if_needed(value: str, *unsafe: str) -> str | None:
    """Plain if YAML reads it back as the same string, else single-quoted (or None)."""
    if _UNPRINTABLE.search(value):
        return None
    plain = (
        _SAFE_PLAIN.match(value)
        and value == value.strip()
        and not value.endswith(":")
        and not any(u in value for u in unsafe)
        and _RESOLVER.resolve(ScalarNode, value, (True, False)) == _STR_TAG
    )
    if plain:
        return value
    if value != value.strip():
        return None
    if "'" in value and '"' not in value and "\\" not in value:
        return f'"{value}"'  # what the round-trip dumper picks too
    return "'" + value.replace("'", "''") + "'"


def _data_json(record: Opportunity | None) -> str:
    """A record's data as one line of JSON (dates as ISO text, like ``--json`` output)."""
    if record is None:
        return "null"
    return json.dumps(jsonable(record.data), ensure_ascii=False)


def config_text_problems(raw: bytes, path: str) -> list[Problem]:
    text, problems = decode(raw, path)
    if text is None:
        return problems
    data, problems = parse_document(text, path)
    if problems:
        return problems
    problems = config_problems(data, path)
    return config_problems(data, path, roundtrip_locator(text)) if problems else []


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` so readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(path.stat().st_mode & 0o777 if path.exists() else 0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def set_dotted(tree: CommentedMap, key: str, value: Any) -> None:
    """Set ``contact.email``-style keys, creating nested mappings (flow style) as needed."""
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if child is not None and not isinstance(child, CommentedMap):
            raise BadRequest(f"{key!r}: {part!r} holds a plain value, not a group of fields")
        if child is None:
            child = CommentedMap()
            child.fa.set_flow_style()
            _put(tree, node, part, child)
        node = child
    if value is None:
        node.pop(parts[-1], None)
    else:
        _put(tree, node, parts[-1], _to_node(value, flow=True))


def _put(tree: CommentedMap, node: CommentedMap, key: str, value: Any) -> None:
    """Assign in place; a new top-level known field goes where the docs order it."""
    if key in node or node is not tree:
        node[key] = value
    else:
        tree.insert(_insert_position(tree, key), key, value)


def _insert_position(tree: CommentedMap, key: str) -> int:
    """Where a new top-level key goes: after the known fields that precede it."""
    if key not in KNOWN_FIELDS:
        return len(tree)
    earlier = set(KNOWN_FIELDS[: KNOWN_FIELDS.index(key)])
    position = 0
    for index, existing in enumerate(tree):
        if existing in earlier:
            position = index + 1
    return position


def append_item(tree: CommentedMap, key: str, item: Mapping[str, Any]) -> None:
    """Append a flow-style mapping to the block sequence ``key``, creating it if needed."""
    seq = tree.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        tree.insert(_insert_position(tree, key), key, seq)
    seq.append(_to_node(item, flow=True))


def rewrite_to(
    text: str, target: Mapping[str, Any], block_keys: Collection[str] = ("activities",)
) -> str:
    """``text`` edited so that it parses to ``target``, touching only what differs.

    A merged or resolved file must keep the comments, key order, quoting and
    layout its author wrote: unchanged keys keep their nodes, changed values are
    replaced in place, new keys go where :func:`set_dotted` would put them, and
    sequences keep the items that survive (so an appended activity is an insert).
    New top-level ``block_keys`` are written in block style, their items in flow.
    """
    yaml = _roundtrip_yaml(text)
    tree = yaml.load(text) if text.strip() else None
    old = parse_fast(text) if text.strip() else None
    if not isinstance(tree, CommentedMap) or not isinstance(old, Mapping):
        tree, old = CommentedMap(), {}
    _reconcile_map(tree, tree, old, target, block_keys)
    result = _dump(yaml, tree)
    if not same_value(parse_fast(result), dict(target)):  # never hand back a misread file
        raise InvalidData("the YAML writer could not represent this content faithfully")
    return result


def _reconcile_map(
    top: CommentedMap,
    node: CommentedMap,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    block_keys: Collection[str],
) -> None:
    for key in [k for k in node if k not in new]:
        del node[key]
    for key, value in new.items():
        before = old.get(key)
        if key in old and same_value(before, value):
            continue
        current = node.get(key)
        if isinstance(value, Mapping) and isinstance(current, CommentedMap):
            old_map = before if isinstance(before, Mapping) else {}
            _reconcile_map(top, current, old_map, value, block_keys)
        elif isinstance(value, list) and isinstance(current, CommentedSeq):
            _reconcile_seq(current, before if isinstance(before, list) else [], value)
        else:
            block = node is top and key in block_keys
            _put(top, node, key, _to_node(value, flow=not block))


def _reconcile_seq(seq: CommentedSeq, old: list[Any], new: list[Any]) -> None:
    """Delete vanished items and insert new ones, keeping surviving item nodes."""
    if len(old) != len(seq):
        old = [None] * len(seq)
    unclaimed = list(new)
    kept: list[Any] = []
    for index in range(len(old) - 1, -1, -1):
        match = next((i for i, v in enumerate(unclaimed) if same_value(v, old[index])), None)
        if match is None:
            del seq[index]
        else:
            kept.insert(0, unclaimed.pop(match))
    cursor = 0
    for position, item in enumerate(new):
        if cursor < len(kept) and same_value(kept[cursor], item):
            cursor += 1
        else:
            seq.insert(position, _to_node(item, flow=True))
    if cursor != len(kept):  # the survivors changed order: rebuild
        del seq[:]
        seq.extend(_to_node(item, flow=True) for item in new)


# --------------------------------------------------------------------------- internals


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
                Problem(record.path, f"duplicate id {record.id!r}, also in {first.path}", 1, "id")
            )
    return kept, problems


def _represent_datetime(representer: Any, value: datetime) -> Any:
    """Datetimes as ISO-8601 with a ``T``, the way the file format documents them."""
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


def _roundtrip_yaml(text: str = "") -> YAML:
    """A round-trip YAML instance whose indentation matches ``text``."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = _guess_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.representer.add_representer(datetime, _represent_datetime)
    return yaml


_KEY_LINE = re.compile(r"^( *)[^\s#-][^:]*:\s*(#.*)?$")
_CHILD_KEY = re.compile(r"^( +)[^\s#-][^:]*:")
_DASH = re.compile(r"^( *)- ")


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation used by ``text``; defaults match the docs."""
    mapping, sequence, offset = 2, 4, 2
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    found_map = found_seq = False
    for parent, child in itertools.pairwise(lines):
        head = _KEY_LINE.match(parent)
        if not head:
            continue
        base = len(head.group(1))
        dash = _DASH.match(child)
        key = _CHILD_KEY.match(child)
        if dash and not found_seq:
            offset = max(0, len(dash.group(1)) - base)
            sequence, found_seq = offset + 2, True
        elif key and not found_map and len(key.group(1)) > base:
            mapping, found_map = len(key.group(1)) - base, True
    return mapping, max(sequence, offset + 2), offset


def _to_node(value: Any, flow: bool) -> Any:
    """Plain Python values to ruamel nodes; nested mappings in flow style ({a: 1}).

    Strings starting with ``:`` or ``?`` are quoted: ruamel writes them plain
    inside flow collections (``{email: :x}``) and then cannot read them back.
    """
    if isinstance(value, str) and value[:1] in (":", "?"):
        return DoubleQuotedScalarString(value)
    if isinstance(value, Mapping) and not isinstance(value, CommentedMap):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = _to_node(v, flow=True)
        if flow:
            node.fa.set_flow_style()
        return node
    if isinstance(value, list | tuple) and not isinstance(value, CommentedSeq):
        seq = CommentedSeq(_to_node(v, flow=True) for v in value)
        if flow and not any(isinstance(v, Mapping) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def _dump(yaml: YAML, tree: Any) -> str:
    buffer = StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()
