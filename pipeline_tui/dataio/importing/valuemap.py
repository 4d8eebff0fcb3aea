"""``--map FIELD:VALUE=NEW``: which cells an option maps, and which options matched none, pure."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline_tui.dataio.importing.columns import compact


class ValueMap:
    """One field's ``--map FIELD:VALUE=NEW`` options, matched as the pipeline's lists are.

    A cell matches a VALUE spelled the same, else one equal ignoring case,
    spaces and punctuation (:func:`compact`: ``Lead``, ``lead``, ``LEAD``),
    so ``--map stage:Lead=qualified`` maps the cells ``lead``.  The VALUEs
    that matched are remembered: one that matched no cell is a typo to tell
    the user about (:meth:`RowMapper.unused_maps`).
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.exact = dict(mapping)
        self.loose = {compact(k): k for k in reversed(list(mapping)) if compact(k)}
        self.used: set[str] = set()

    def key(self, text: str) -> str | None:
        """The VALUE ``text`` matches, if any."""
        if text in self.exact:
            return text
        return self.loose.get(compact(text)) if text else None

    def get(self, text: str, default: str) -> str:
        key = self.key(text)
        return default if key is None else self.exact[key]

    def use(self, text: str) -> str | None:
        """What ``text`` becomes (None: no VALUE matches), noting the VALUE as used."""
        key = self.key(text)
        if key is None:
            return None
        self.used.add(key)
        return self.exact[key]

    def unused(self) -> list[tuple[str, str]]:
        """(VALUE, NEW) of every option no cell matched, in the order given."""
        return [(k, v) for k, v in self.exact.items() if k not in self.used]
