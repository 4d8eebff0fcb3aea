"""Reading YAML text into plain values: the fast parse, UTF-8 decoding, file problems.

Reading never raises for one bad file: :func:`parse_document` and
:func:`decode` return :class:`Problem` values naming the file and line, so a
caller can serve every other file.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, SequenceNode

from pipeline_tui.core.model import Problem
from pipeline_tui.core.validation import Locator
from pipeline_tui.i18n import N_, _
from pipeline_tui.yaml.fast import NeedsSlowPath, compose_fast, key_of, load_fast
from pipeline_tui.yaml.guard import RefusedYAML, guard
from pipeline_tui.yaml.roundtrip import roundtrip_yaml


def parse_fast(text: str) -> Any:
    """Parse YAML for reading only, at libyaml speed with ruamel's YAML 1.2 answers.

    :func:`pipeline_tui.yaml.fast.load_fast` parses in C and resolves scalars
    the way ruamel does (about ten times faster than ruamel's pure-Python
    loader, which is what a plain install brings).  Whatever it cannot be
    sure of (tags, merge keys, duplicate keys, anything libyaml refuses) goes
    to ruamel's safe loader, which decides and raises the real errors.  Alias
    bombs and deep nesting are refused first (:mod:`.guard`), whichever loader runs.
    """
    guard(text)
    try:
        return load_fast(text)
    except NeedsSlowPath:
        pass
    loader = _LOADERS.safe()
    try:
        return loader.load(text)
    except MarkedYAMLError:
        if loader.Parser.__module__.startswith("ruamel.yaml.parser"):
            _LOADERS.forget()
            raise  # already the pure-Python parser: the error is real
        try:
            return _LOADERS.pure().load(text)
        except Exception:
            _LOADERS.forget()
            raise
    except Exception:
        _LOADERS.forget()  # a loader that failed half-way is not trusted again
        raise


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text of a file, or a problem naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(path, _("not valid UTF-8 (byte 0x{raw:02x})").format(raw=raw[exc.start]), line)
        ]


#: The problem a file with ``<<<<<<<`` lines gets (``resolve`` recognises it).
CONFLICT_MARKERS = N_("unresolved merge conflict markers (see `pipeline resolve`)")


def parse_document(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse one file's text; problems for conflict markers and YAML errors."""
    marker = _CONFLICT_MARKER.search(text) if _may_hold_markers(text) else None
    if marker:
        line = text.count("\n", 0, marker.start()) + 1
        return None, [Problem(path, _(CONFLICT_MARKERS), line)]
    try:
        data = parse_fast(text)
        if "&" in text and _refers_to_itself(data, set()):  # no anchor, no alias
            return None, [Problem(path, _("a YAML alias refers to the node that holds it"), None)]
        return data, []
    except RefusedYAML as exc:
        return None, [Problem(path, exc.refusal.reason, exc.refusal.line)]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(path, _("YAML syntax error: {reason}").format(reason=reason), where)]
    except YAMLError as exc:  # the reader's: a character YAML does not allow (NUL, a C1 control)
        position = getattr(exc, "position", None)
        at = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [Problem(path, _("YAML error: {exc}").format(exc=reason), at)]
    except (ValueError, OverflowError, TypeError, RecursionError) as exc:
        # the constructor turning a scalar into a value: ``!!int zz``, a
        # 5,000-digit integer, ``2026-13-45``; one bad file must not stop the rest
        message = _("a value YAML cannot read: {short}").format(short=_short(str(exc)))
        field, at = _unreadable_value(text)
        return None, [Problem(path, message, at, field)]


def _unreadable_value(text: str) -> tuple[str | None, int | None]:
    """The key path and line of the first value the constructor refuses, for its problem.

    Only for a file that already failed: each scalar of the composed tree
    (no values built, so nothing raises) is read again on its own.
    """
    try:
        root = compose_fast(text)
    except NeedsSlowPath:
        return None, None
    for where, node in _scalars(root, ()):
        source = text[node.start_mark.index : node.end_mark.index]
        try:
            parse_fast(f"v: {source}")
        except (ValueError, OverflowError, TypeError):
            return ".".join(where) or None, node.start_mark.line + 1
        except Exception:  # anything else is not this value's fault
            continue
    return None, None


def _scalars(node: Node | None, where: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Node]]:
    """Every scalar under ``node`` with its key path, in document order."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _scalars(value, (*where, str(key.value)))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _scalars(item, (*where, str(index)))
    elif node is not None:
        yield where, node


def _refers_to_itself(value: Any, holders: set[int]) -> bool:
    """Whether a mapping or list contains itself (``&a [*a]``): no reader may walk it."""
    if not isinstance(value, dict | list):
        return False
    if id(value) in holders:
        return True
    holders.add(id(value))
    items = value.values() if isinstance(value, dict) else value
    found = any(_refers_to_itself(item, holders) for item in items)
    holders.discard(id(value))
    return found


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def line_locator(text: str) -> Locator:
    """Line numbers for key paths: libyaml's marks, or ruamel's where libyaml is not trusted.

    Only files with a problem need lines.  A warning (an owner not in the
    team) can sit on many files of a pipeline, so the lines come from a
    second libyaml pass (C speed, the marks :func:`parse_fast` discarded),
    not from ruamel's pure-Python round-trip parse; the two give the same
    lines (a test checks), and ruamel still answers for texts the fast
    parser sends to it.
    """
    try:
        node = compose_fast(text)
    except NeedsSlowPath:
        return roundtrip_locator(text)
    return lambda key_path: _node_line(node, key_path)


def _node_line(node: Node | None, key_path: Sequence[str | int]) -> int | None:
    """The 1-based line of the last key of ``key_path`` in libyaml's tree (None: not there)."""
    line = 0
    for key in key_path:
        if isinstance(node, MappingNode):
            found = next((pair for pair in node.value if _same_key(pair[0], key)), None)
            if found is None:
                return None
            line, node = found[0].start_mark.line, found[1]
        elif isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line
        else:
            return None
    return line + 1


def _same_key(node: Node, key: str | int) -> bool:
    try:
        found = key_of(node)
    except (NeedsSlowPath, ValueError, OverflowError):
        return False
    return bool(found == key)  # as a dict lookup (what ruamel's `key in node` does)


def roundtrip_locator(text: str) -> Locator:
    """Line numbers for key paths, from ruamel's round-trip parse (texts libyaml may misread)."""
    try:
        tree = roundtrip_yaml().load(text)
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


_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)", re.MULTILINE)


def _may_hold_markers(text: str) -> bool:
    """Whether ``text`` could hold a conflict marker line (four C-speed scans, no regex).

    Every file read is checked for markers; a multi-line regex search over
    the whole text costs more than these, and almost no file has a marker.
    """
    return "<<<<<<<" in text or "=======" in text or ">>>>>>>" in text or "|||||||" in text


class _Loaders(threading.local):
    """The safe loaders of the current thread, built on first use.

    Building a ``YAML`` object costs more than parsing a small file, and one
    object must not parse in two threads at once, so each thread keeps its
    own.  They hold no data between documents (ruamel resets its reader,
    scanner and constructor after every ``load``), so nothing read earlier can
    change a later answer: a process-wide pool is safe here, and tests never
    see it.
    """

    def __init__(self) -> None:
        self._safe: YAML | None = None
        self._pure: YAML | None = None

    def safe(self) -> YAML:
        """The C-backed safe loader when libyaml is installed, else the pure one."""
        if self._safe is None:
            self._safe = YAML(typ="safe")
        return self._safe

    def forget(self) -> None:
        """Drop both loaders (after a failed load: cheap insurance against leftover state)."""
        self._safe = self._pure = None

    def pure(self) -> YAML:
        """ruamel's pure-Python safe loader (YAML 1.2: the format's reference)."""
        if self._pure is None:
            self._pure = YAML(typ="safe", pure=True)
        return self._pure


_LOADERS = _Loaders()
