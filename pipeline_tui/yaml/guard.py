"""A cheap look at YAML text before any parser sees it: alias bombs and deep nesting.

Why: a 421-byte "billion laughs" file (aliases of aliases) makes every walk
over the parsed value take minutes and gigabytes, and 600 nested ``[`` make
the recursive composer raise ``RecursionError``.  Both are refused here, with
the line at fault, before ruamel (fast, pure or round-trip) or any later
parser runs, so one hostile file costs milliseconds and every other file is
still served.

Ordinary files never pay for more than a few ``str`` scans: the token scan
runs only when the text could hold an alias (a ``*``), more brackets than the
depth limit, or a line indented deeper than the limit allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.main import YAML
from ruamel.yaml.tokens import (
    AliasToken,
    BlockEndToken,
    BlockMappingStartToken,
    BlockSequenceStartToken,
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
)

#: Aliases one document may hold.  The tool never writes any; a handful in a
#: hand-written ``pipeline.yaml`` is fine, and 16 aliases expand at most a few
#: hundred times, while a bomb needs dozens.
MAX_ALIASES = 16

#: Nesting of mappings and sequences (block or flow).  Deal files use four.
MAX_DEPTH = 32

_DEEP_INDENT = re.compile(rf"^[ ?:-]{{{MAX_DEPTH}}}", re.MULTILINE)

_OPENERS = (
    FlowSequenceStartToken,
    FlowMappingStartToken,
    BlockMappingStartToken,
    BlockSequenceStartToken,
)
_CLOSERS = (FlowSequenceEndToken, FlowMappingEndToken, BlockEndToken)


@dataclass(frozen=True)
class Refusal:
    """Why a text is refused and the 1-based line at fault."""

    reason: str
    line: int


class RefusedYAML(MarkedYAMLError):
    """A document refused by :func:`check_text`; a ``YAMLError`` so every reader handles it."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(problem=refusal.reason)
        self.refusal = refusal

    def __str__(self) -> str:
        return f"{self.refusal.reason} (line {self.refusal.line})"


def check_text(text: str) -> Refusal | None:
    """The reason ``text`` must not be parsed, or None when it is safe to parse."""
    if not _suspicious(text):
        return None
    return _scan(text)


def guard(text: str) -> None:
    """Raise :class:`RefusedYAML` when :func:`check_text` refuses ``text``."""
    refusal = check_text(text)
    if refusal is not None:
        raise RefusedYAML(refusal)


def _suspicious(text: str) -> bool:
    """Whether ``text`` could break a limit (a few C-speed scans, no parsing)."""
    return (
        "*" in text
        or text.count("[") + text.count("{") > MAX_DEPTH
        or _DEEP_INDENT.search(text) is not None
    )


def _scan(text: str) -> Refusal | None:
    """Count aliases and nesting on ruamel's token stream (linear, no recursion)."""
    aliases = 0
    depth = 0
    try:
        for token in YAML(typ="safe", pure=True).scan(text):
            if isinstance(token, AliasToken):
                aliases += 1
                if aliases > MAX_ALIASES:
                    return Refusal(
                        f"more than {MAX_ALIASES} YAML aliases (*name): refused, "
                        "an alias bomb would take minutes to read",
                        token.start_mark.line + 1,
                    )
            elif isinstance(token, _OPENERS):
                depth += 1
                if depth > MAX_DEPTH:
                    return Refusal(
                        f"nested deeper than {MAX_DEPTH} levels: refused",
                        token.start_mark.line + 1,
                    )
            elif isinstance(token, _CLOSERS):
                depth -= 1
    except YAMLError:
        return None  # a syntax error: the parser that runs next reports it with its line
    return None
