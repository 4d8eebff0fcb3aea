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
_BLOCK_SCALAR = ("|", ">")
_NOT_PRINTED = "\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ufeff\\ufffe\\uffff"
#: A one-line flow mapping of ``key: value`` pairs with plain keys and plain
#: values that hold no indicator (``:`` only before a digit, as in a time).
_PLAIN_FLOW_VALUE = (
    f"[^ {_NOT_PRINTED}:,{{}}\\[\\]#&*!|>'\"%@`?\\-\\\\~]"
    f"(?:[^{_NOT_PRINTED}:,{{}}\\[\\]#'\"\\\\]|:(?=[0-9]))*"
)
_PLAIN_FLOW_PAIR = f"[A-Za-z_][A-Za-z0-9_]*: {_PLAIN_FLOW_VALUE}"
_PLAIN_FLOW_MAPPING = re.compile(f"\\{{{_PLAIN_FLOW_PAIR}(?:, {_PLAIN_FLOW_PAIR})*\\}}")
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
            return [self._item(item.strip(_YAML_SPACE)) for item in items]
        value = self._snippet(block + "\n")
        if not isinstance(value, Mapping) or list(value) != [key]:
            raise Unsplittable(f"block {key!r} did not parse as itself")
        return value[key]

    def scalar(self, key: str, rest: str) -> Any:
        """A one-line value; plain words skip the parser entirely."""
        rest = rest.strip(_YAML_SPACE)
        if _PLAIN_WORD.fullmatch(rest) and rest.lower() not in _YAML_WORDS:
            return rest
        # a final line break lets the parser's line reader take it (no block
        # scalar header here: there it would change what the scalar holds)
        end = "" if rest[:1] in _BLOCK_SCALAR else "\n"
        value = self._snippet(f"k: {rest}{end}")
        if not isinstance(value, Mapping) or len(value) != 1:
            raise Unsplittable(f"line for {key!r} did not parse as one key")
        return next(iter(value.values()))

    def _item(self, item: str) -> Any:
        """One ``- value`` line of a block list (``activities``), each distinct text parsed once.

        An item in the plain one-line flow mapping shape the store writes is
        parsed as a mapping's value (``k: {...}``), which the parser's line
        reader takes without libyaml; the two contexts read such a mapping
        alike (a test checks), though not every odd text (``{::}``).
        """
        body = item[2:]
        if _PLAIN_FLOW_MAPPING.fullmatch(body):
            try:
                value = self._snippet(f"k: {body}\n")
            except Exception:  # the list route decides (and raises what it raises)
                value = None
            if isinstance(value, Mapping) and len(value) == 1:
                return value["k"]
        return self._snippet(item)[0]

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
    in C: with a line break put before the text, one regex split cuts it at
    each line break followed by a line at column 0 (the pieces are the
    blocks, after whatever comes before the first key), and one ``findall``
    with the same anchor reads each such line as a key ("" when it is none).
    Both searches start at a literal ``\\n``, which the regex engine finds at
    C speed, and neither builds a match object per line.  Texts with line
    breaks other than ``\\n`` (which ``str.splitlines`` also splits on) take
    :func:`split_lines`, the plain loop, which gives the same answer for
    every text (a test checks).
    """
    if _may_need_full_parse(text) and _NEEDS_FULL_PARSE.search(text):
        raise Unsplittable("anchors, tags or document markers")
    if _odd_break(text):
        return split_lines(text)
    lined = "\n" + (text[:-1] if text.endswith("\n") else text)  # a block ends before its "\n"
    preamble, *pieces = _BEFORE_TOP_LINE.split(lined)
    _check_preamble(preamble)
    keys = _TOP_KEY.findall(lined)  # one per piece: both find the same line breaks
    if "" in keys:
        line = pieces[keys.index("")].partition("\n")[0]
        raise Unsplittable(f"not a key line: {line!r}")
    blocks = dict(zip(map(str.strip, keys), pieces, strict=True))
    if len(blocks) != len(pieces):
        raise Unsplittable("duplicate key")
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


#: A line break followed by a line at column 0 that is not blank, a comment
#: or a list item: where a block begins (the lookahead keeps its line whole).
_BEFORE_TOP_LINE = re.compile(r"\n(?=(?!- )[^ \t#\n])")
#: The same places, each read as a key line (as :data:`_KEY_LINE` reads one
#: line): group 1 is its key, "" when the line is no key line.
_TOP_KEY = re.compile(
    r"\n(?:([A-Za-z0-9_\u00c0-\uffff][^:#\"'{}\[\],&*!|>%@`\n]*?):(?:[ \t]|$)|(?!- )[^ \t#\n])",
    re.MULTILINE,
)
#: Line breaks ``str.splitlines`` honours besides ``\n``.
_ODD_BREAK = re.compile(r"[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _odd_break(text: str) -> bool:
    """Whether ``text`` holds a line break other than ``\\n`` (:data:`_ODD_BREAK`).

    Most texts are ASCII (a flag Python keeps, so the test is free): then a
    few ``in`` scans, several times faster than the regex's character class.
    """
    if not text.isascii():
        return _ODD_BREAK.search(text) is not None
    return (
        "\r" in text
        or "\x0b" in text
        or "\x0c" in text
        or "\x1c" in text
        or "\x1d" in text
        or "\x1e" in text
    )


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
