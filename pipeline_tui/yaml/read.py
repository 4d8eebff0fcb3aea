"""Reading YAML text into plain values: the fast parse, UTF-8 decoding, file problems.

Reading never raises for one bad file: :func:`parse_document` and
:func:`decode` return :class:`Problem` values naming the file and line, so a
caller can serve every other file.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from pipeline_tui.core.model import Problem
from pipeline_tui.core.validation import Locator
from pipeline_tui.yaml.roundtrip import roundtrip_yaml


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


_local = threading.local()
