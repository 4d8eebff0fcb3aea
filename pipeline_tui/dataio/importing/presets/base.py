"""What a CRM preset says about its vendor's deal export.

Pure data plus small functions: which header feeds which field, how the
export tells won from lost, its default stage list, its stage-history columns
and how to recognise it from the header alone.  One module per vendor
describes its export in these terms; the row mapper applies them the same way
for all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline_tui.dataio.importing.columns import compact

Outcome = Literal["won", "lost", "open"]


class Cells:
    """One row's cells looked up by any spelling of the header (``IsWon``, ``ISWON``)."""

    __slots__ = ("_by_key", "_cells")

    def __init__(self, cells: Mapping[str, str], by_key: Mapping[str, str]) -> None:
        self._cells = cells
        self._by_key = by_key

    def get(self, *names: str) -> str:
        """The first non-blank cell among ``names`` ("" when none)."""
        for name in names:
            column = self._by_key.get(compact(name))
            if column is not None:
                value = self._cells.get(column, "").strip()
                if value:
                    return value
        return ""

    def has(self, *names: str) -> bool:
        return any(compact(n) in self._by_key for n in names)


@dataclass(frozen=True, slots=True)
class CrmStage:
    """A stage of the vendor's default pipeline, in order, with its win probability."""

    name: str
    probability: float | None = None
    ids: tuple[str, ...] = ()  # internal ids the export may write instead (HubSpot)


@dataclass(frozen=True, slots=True)
class Preset:
    """How to read one vendor's deal export without options.

    ``columns``: field -> header names, best first (any spelling matches).
    ``outcome``: the row's won/lost/open from the vendor's own signals, or
    ``None`` when the row carries none (the stage name then decides).
    ``won_stages``/``lost_stages``: stage names (or ids) that mean closed.
    ``signals``: headers read by ``outcome`` or for history, not stored.
    ``dropped``: export bookkeeping (row checksums, duplicate id columns).
    ``entered``: header -> the stage it dates ("Date entered <stage>" columns).
    ``current_stage_since``: header dating the entry into the current stage.
    ``naive_utc``: naive date-times in this export are UTC (else the user's zone).
    ``lookups``: field -> file names of sibling exports that resolve its ids.
    ``currency_hint``: the currency of a symbol several share (``¥``) in this export.
    """

    name: str
    label: str
    columns: Mapping[str, tuple[str, ...]]
    detect: Callable[[Sequence[str]], tuple[str, ...] | None]
    stages: tuple[CrmStage, ...] = ()
    outcome: Callable[[Cells], Outcome | None] = lambda cells: None
    won_stages: tuple[str, ...] = ("Closed Won", "Won")
    lost_stages: tuple[str, ...] = ("Closed Lost", "Lost")
    signals: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    entered: Callable[[str], str | None] = lambda header: None
    current_stage_since: tuple[str, ...] = ()
    naive_utc: bool = False
    lookups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    history_files: tuple[str, ...] = ()
    lost_reason_default: str = "not recorded"
    currency_hint: str | None = None

    def closed_stage(self, raw: str) -> Outcome | None:
        """``won``/``lost`` when the stage name (or id) itself says so."""
        key = compact(raw)
        if key in {compact(s) for s in self.won_stages}:
            return "won"
        if key in {compact(s) for s in self.lost_stages}:
            return "lost"
        return None

    def stage_name(self, raw: str) -> str:
        """An internal stage id (``appointmentscheduled``) as its label, else ``raw``."""
        key = raw.strip().lower()
        for stage in self.stages:
            if key in stage.ids:
                return stage.name
        return raw.strip()


def headers_present(columns: Sequence[str], *alternatives: Iterable[str]) -> tuple[str, ...] | None:
    """The headers of the first alternative whose names are all in ``columns``."""
    by_key = {compact(c): c for c in columns}
    for names in alternatives:
        wanted = [compact(n) for n in names]
        if all(w in by_key for w in wanted):
            return tuple(by_key[w] for w in wanted)
    return None


def flag(cells: Cells, *names: str) -> bool | None:
    """A boolean cell (true/false, 1/0, yes/no); ``None`` when absent or blank."""
    value = cells.get(*names).lower()
    if value in ("true", "1", "1.0", "yes", "y", "t", "是"):
        return True
    if value in ("false", "0", "0.0", "no", "n", "f", "否"):
        return False
    return None
