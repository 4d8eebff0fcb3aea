"""Reading one opportunity file fast, one top-level key at a time.

The history engine reads tens of thousands of file versions.  A full YAML
parse costs about 2.5 ms per file here (ruamel's pure-Python safe loader; its
C loader cannot read the flow mappings with timestamps that the store writes),
so parsing every version of every file would take longer than git itself
takes to list them.  But consecutive versions of a file share almost all
their lines, so this module splits a file's text into its top-level blocks
(``key: value`` plus the indented lines under it), parses each distinct block
or list item once through :func:`pipeline_tui.yaml.read.parse_fast`, and memoizes by text
(in a :class:`BlockReader`, which its owner keeps for as long as the texts are
likely to repeat: the history reader keeps one per pass over the log).

Anything this splitter is not sure about (anchors, tags, documents markers,
odd indentation, duplicate keys) falls back to a full parse of the file, so
the answer is always what the YAML parser itself says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pipeline_tui.yaml.read import parse_fast

#: A top-level ``key:`` line (plain key, not a comment, list item or directive).
_KEY_LINE = re.compile(r"([A-Za-z0-9_\u00c0-\uffff][^:#\"'{}\[\],&*!|>%@`]*?):(?:[ \t]|$)")
_NEEDS_FULL_PARSE = re.compile(r"(?:^|[\s\[{,])[&*!][^\s]|^(?:---|\.\.\.|%)", re.MULTILINE)
_PLAIN_WORD = re.compile(r"[A-Za-z\u00c0-\uffff][\w.\-\u00c0-\uffff]*")
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
_YAML_SPACE = " \t"  # YAML separates with spaces and tabs only; str.strip() also eats U+00A0
_MISSING = object()
_SNIPPET_LIMIT = 200_000


#: One top-level block: its lines joined by ``\n`` (no final line break), so
#: two blocks are equal exactly when their lines are, and compare at C speed.
Block = str


class Unsplittable(ValueError):
    """The text needs a full parse (or is not YAML this splitter understands)."""


def parse_fields(text: str) -> dict[str, Any] | None:
    """The top-level mapping of ``text``, or None when it is not a valid mapping.

    Same result as ``parse_fast(text)``; for many similar texts, keep one
    :class:`BlockReader` and call its :meth:`~BlockReader.parse_fields`.
    """
    return BlockReader().parse_fields(text)


class BlockReader:
    """Parses blocks and one-line values, each distinct text once.

    The memo is this object's, not the process's: whoever reads many similar
    files keeps one reader for the job and drops it after.  Callers must not
    mutate the values it returns (they are shared between equal texts).
    """

    def __init__(self) -> None:
        self._snippets: dict[str, Any] = {}
        self._lines: dict[str, Any] = {}

    def parse_fields(self, text: str) -> dict[str, Any] | None:
        """The top-level mapping of ``text``, or None when it is not a valid mapping.

        Same result as ``parse_fast(text)`` for every file the store writes or
        a person would plausibly write, at a fraction of the cost on repeated reads.
        """
        try:
            return {key: self.block_value(key, block) for key, block in split_blocks(text).items()}
        except Unsplittable:
            pass
        except Exception:  # a block that fails alone: let the full parse decide
            pass
        try:
            data = parse_fast(text)
        except Exception:
            return None
        return dict(data) if isinstance(data, Mapping) else None

    def block_value(self, key: str, block: Block) -> Any:
        """The value of one top-level block; sequences of one-line items item by item."""
        if "\n" not in block:  # one line (``stage: lead``): most repeat from version to version
            found = self._lines.get(block, _MISSING)
            if found is _MISSING:
                if len(self._lines) > _SNIPPET_LIMIT:
                    self._lines.clear()
                found = self._lines[block] = self.scalar(key, block[block.index(":") + 1 :])
            return found
        head, _newline, tail = block.partition("\n")
        rest = head[head.index(":") + 1 :].strip(_YAML_SPACE)
        lines = tail.split("\n")
        items = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if rest == "" and items and _one_line_items(items):
            return [self._snippet(item.strip(_YAML_SPACE))[0] for item in items]
        value = self._snippet(block + "\n")
        if not isinstance(value, Mapping) or list(value) != [key]:
            raise Unsplittable(f"block {key!r} did not parse as itself")
        return value[key]

    def scalar(self, key: str, rest: str) -> Any:
        """A one-line value; plain words skip the parser entirely."""
        rest = rest.strip(_YAML_SPACE)
        if _PLAIN_WORD.fullmatch(rest) and rest.lower() not in _YAML_WORDS:
            return rest
        value = self._snippet(f"k: {rest}")
        if not isinstance(value, Mapping) or len(value) != 1:
            raise Unsplittable(f"line for {key!r} did not parse as one key")
        return next(iter(value.values()))

    def _snippet(self, text: str) -> Any:
        """``parse_fast(text)``, memoized (bounded: a huge history must not hold every text)."""
        found = self._snippets.get(text, _MISSING)
        if found is _MISSING:
            if len(self._snippets) > _SNIPPET_LIMIT:
                self._snippets.clear()
            found = self._snippets[text] = parse_fast(text)
        return found


def split_blocks(text: str) -> dict[str, Block]:
    """Top-level key -> its block: the key line and the lines under it, ``\\n``-joined.

    The history reader splits every version of every file, so the scan runs
    in C: one regex finds every line that starts at column 0 and matches it
    as a key line (or fails it), and the text between two of them is one
    block, sliced out whole.  Texts with line breaks other than ``\\n``
    (which ``str.splitlines`` also splits on) take :func:`split_lines`, the
    plain loop, which gives the same answer for every text (a test checks).
    """
    if _may_need_full_parse(text) and _NEEDS_FULL_PARSE.search(text):
        raise Unsplittable("anchors, tags or document markers")
    if _ODD_BREAK.search(text):
        return split_lines(text)
    found = [(m.start(), m.group(1)) for m in _TOP_LINE.finditer(text)]
    _check_preamble(text[: found[0][0]] if found else text)
    blocks: dict[str, Block] = {}
    ends = [start - 1 for start, _ in found[1:]]  # each block ends before the next's "\n"
    if found:
        ends.append(len(text) - 1 if text.endswith("\n") else len(text))
    for (start, key), end in zip(found, ends, strict=True):
        if key is None:
            raise Unsplittable(f"not a key line: {text[start:].partition(chr(10))[0]!r}")
        _add(blocks, key.strip(), text[start:end])
    return blocks


def _check_preamble(text: str) -> None:
    """Only blank and comment lines may come before the first key."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            raise Unsplittable("indented text before the first key")


def split_lines(text: str) -> dict[str, Block]:
    """:func:`split_blocks` line by line, for any line breaks ``str.splitlines`` knows."""
    if _NEEDS_FULL_PARSE.search(text):
        raise Unsplittable("anchors, tags or document markers")
    blocks: dict[str, Block] = {}
    key: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if not line or line[0] in " \t#" or line.startswith("- "):
            if key is None:
                if line.strip() and not line.lstrip().startswith("#"):
                    raise Unsplittable("indented text before the first key")
                continue
            lines.append(line)
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            raise Unsplittable(f"not a key line: {line!r}")
        if key is not None:
            _add(blocks, key, "\n".join(lines))
        key, lines = match.group(1).strip(), [line]
    if key is not None:
        _add(blocks, key, "\n".join(lines))
    return blocks


def _may_need_full_parse(text: str) -> bool:
    """Whether ``text`` holds a mark :data:`_NEEDS_FULL_PARSE` needs (fast reject).

    Every match of that regex contains one of these; testing them with ``in``
    costs a fraction of the regex search that most texts would fail anyway.
    """
    return (
        "&" in text or "*" in text or "!" in text or "%" in text or "---" in text or "..." in text
    )


#: A line at column 0 that is not blank, a comment or a list item: group 1 is
#: its key (as :data:`_KEY_LINE` reads one line), None when it is no key line.
_TOP_LINE = re.compile(
    r"^(?:([A-Za-z0-9_\u00c0-\uffff][^:#\"'{}\[\],&*!|>%@`\n]*?):(?:[ \t]|$)|(?!- )[^ \t#\n])",
    re.MULTILINE,
)
#: Line breaks ``str.splitlines`` honours besides ``\n``.
_ODD_BREAK = re.compile(r"[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _add(blocks: dict[str, Block], key: str, block: Block) -> None:
    if key in blocks:
        raise Unsplittable(f"duplicate key {key!r}")
    blocks[key] = block  # trailing blank lines kept: a `|+` scalar includes them


def _one_line_items(items: list[str]) -> bool:
    indent = len(items[0]) - len(items[0].lstrip(" "))
    prefix = " " * indent + "- "
    return all(
        line.startswith(prefix) and line[len(prefix) :][:1] not in ("", " ", "-", "|", ">")
        for line in items
    )
