"""The files that come with a CRM export: id lookups and stage history.

A Salesforce export folder holds ``Account.csv``, ``User.csv`` and
``OpportunityHistory.csv`` next to ``Opportunity.csv``; a preset names them,
so ``pipeline import Opportunity.csv`` finds them without options.  Files
given with ``--accounts``, ``--users`` or ``--stage-history`` take
precedence.  Reads files (no git); the tables are turned into lookups and
timelines by the pure :mod:`~pipeline_tui.dataio.importing.stagehistory`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from pipeline_tui.dataio.importing import read_table
from pipeline_tui.dataio.importing.presets import Detection
from pipeline_tui.dataio.importing.stagehistory import (
    Lookup,
    StageHistory,
    lookup_from_table,
    read_stage_history,
)
from pipeline_tui.dataio.importing.table import RowProblem
from pipeline_tui.dataio.importing.values import SlashOrder
from pipeline_tui.i18n import _


@dataclass(frozen=True, slots=True)
class CrmFiles:
    """Lookups (field -> id -> name), stage history, and what was used (for the summary)."""

    lookups: dict[str, Lookup] = field(default_factory=dict)
    stage_history: StageHistory | None = None
    used: tuple[str, ...] = ()
    problems: tuple[RowProblem, ...] = ()


def crm_files(
    deals: Path,
    detection: Detection | None,
    given: dict[str, Path | None],
    encoding: str | None,
    zone: tzinfo | None,
    date_format: SlashOrder | None,
) -> CrmFiles:
    """Read the lookups and stage history given (``account``, ``owner``, ``history``) or found."""
    preset = detection.preset if detection else None
    wanted = dict(given)
    for fld, names in (preset.lookups if preset else {}).items():
        wanted[fld] = wanted.get(fld) or _sibling(deals, names)
    if preset is not None:
        wanted["history"] = wanted.get("history") or _sibling(deals, preset.history_files)
    lookups: dict[str, Lookup] = {}
    used: list[str] = []
    problems: list[RowProblem] = []
    history = None
    for key, path in wanted.items():
        if path is None:
            continue
        table = read_table(path, encoding)
        if key == "history":
            utc = UTC if preset is not None and preset.naive_utc else zone
            history = read_stage_history(table, utc, date_format)
            used.append(
                _("stage history from {file} ({deals} deals)").format(
                    file=path.name, deals=history.deals
                )
            )
            continue
        lookup, found = lookup_from_table(table)
        problems += found
        lookups[key] = lookup
        count = len(lookup.known)
        used.append(
            _("{key} names from {file} ({count} names)").format(
                key=key, file=path.name, count=count
            )
        )
    return CrmFiles(lookups, history, tuple(used), tuple(problems))


def _sibling(deals: Path, names: tuple[str, ...]) -> Path | None:
    """A file next to ``deals`` with one of ``names`` (any case), never ``deals`` itself."""
    try:
        present = {p.name.lower(): p for p in deals.parent.iterdir() if p.is_file()}
    except OSError:
        return None
    for name in names:
        path = present.get(name.lower())
        if path is not None and path.resolve() != deals.resolve():
            return path
    return None
