"""Field changes between two versions of one opportunity file.

A :class:`Version` is one file version split into its top-level blocks
(:mod:`pipeline_tui.yaml.blocks`); values are parsed only when a block's text
differs from the other side's, which is what makes reading every version of
every file affordable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_tui.core.model import jsonable
from pipeline_tui.yaml.blocks import Block, BlockReader, Unsplittable, split_blocks

Change = tuple[str, Any, Any]
_IGNORED_FIELDS = frozenset({"id", "stage"})


@dataclass(slots=True)
class Version:
    """One file version, split into top-level blocks (values parsed on demand).

    A value, once parsed, is kept with the version (``parsed``): each version
    is diffed twice, against the version before and the one after it, and a
    list block (``activities``) costs a pass over its items each time.
    """

    id: str | None
    stage: str | None
    blocks: dict[str, Block] | None
    data: dict[str, Any] | None
    parser: BlockReader
    parsed: dict[str, Any] | None = None

    def value(self, key: str) -> Any:
        if self.blocks is not None:
            block = self.blocks.get(key)
            if block is None:
                return None
            if "\n" not in block:  # one line: the reader's memo is as quick
                return self.parser.block_value(key, block)
            if self.parsed is None:
                self.parsed = {}
            found = self.parsed.get(key, _UNPARSED)
            if found is _UNPARSED:
                found = self.parsed[key] = self.parser.block_value(key, block)
            return found
        return None if self.data is None else self.data.get(key)

    def keys(self) -> Iterable[str]:
        if self.blocks is not None:
            return self.blocks.keys()
        return self.data.keys() if self.data is not None else ()


_UNPARSED = object()


def split(raw: bytes | None, parser: BlockReader) -> Version:
    """Id and stage of one version; blocks kept for diffing against its neighbours."""
    if raw is None:
        return Version(None, None, None, None, parser)
    text = raw.decode("utf-8", errors="replace")
    try:
        blocks = split_blocks(text)
        version = Version(None, None, blocks, None, parser)
        opp_id, stage = version.value("id"), version.value("stage")
    except Exception:  # unusual layout or a broken block: parse the whole file
        data = parser.parse_fields(text)
        version = Version(None, None, None, data, parser)
        opp_id, stage = version.value("id"), version.value("stage")
    version.id = opp_id if isinstance(opp_id, str) else None
    version.stage = stage if isinstance(stage, str) else None
    return version


def changed_blocks(old: Version, new: Version) -> tuple[Version, Version]:
    """``old`` and ``new`` cut down to the blocks whose text differs (both split into blocks).

    :func:`field_changes` of the two gives what it gives of the whole
    versions: the same keys, in the same order, from the same texts.
    """
    assert old.blocks is not None and new.blocks is not None
    old_blocks, new_blocks = old.blocks, new.blocks
    old_kept = {k: text for k, text in old_blocks.items() if new_blocks.get(k) != text}
    new_kept = {k: text for k, text in new_blocks.items() if old_blocks.get(k) != text}
    return (
        Version(old.id, old.stage, old_kept, None, old.parser),
        Version(new.id, new.stage, new_kept, None, new.parser),
    )


def field_changes(old: Version, new: Version) -> tuple[Change, ...]:
    """(field, old, new) for every field that differs; nested keys dotted.

    Only top-level blocks whose text changed are parsed.  A list of mappings
    that grew at the end (``activities``) gives one change per new item.
    """
    old_blocks, new_blocks = old.blocks, new.blocks
    if old_blocks is not None and new_blocks is not None:
        # the keys of _union(old, new), in its order, whose block texts differ
        keys = [k for k, text in old_blocks.items() if new_blocks.get(k) != text]
        keys += [k for k in new_blocks if k not in old_blocks]
    else:
        keys = list(_union(old.keys(), new.keys()))
    out: list[Change] = []
    for key in keys:
        if key in _IGNORED_FIELDS:
            continue
        try:
            _diff(key, old.value(key), new.value(key), out)
        except (Unsplittable, Exception):  # an unreadable block: report it whole, as text
            out.append((key, _text(old, key), _text(new, key)))
    return tuple(out)


def same_top(parent: Version, merged: Version, key: str) -> bool:
    """Whether a merge took top-level ``key`` unchanged from ``parent``."""
    if parent.blocks is not None and merged.blocks is not None:
        return parent.blocks.get(key) == merged.blocks.get(key)
    try:
        return bool(parent.value(key) == merged.value(key))
    except Exception:
        return False


def _union(first: Iterable[str], second: Iterable[str]) -> list[str]:
    seen = dict.fromkeys(first)
    seen.update(dict.fromkeys(second))
    return list(seen)


def _text(version: Version, key: str) -> str | None:
    if version.blocks is None or key not in version.blocks:
        return None
    return version.blocks[key]


def _diff(field: str, old: Any, new: Any, out: list[Change]) -> None:
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
