"""Per-deal stage timelines from a CRM's stage-history export, pure.

Salesforce's ``OpportunityHistory.csv`` (``OpportunityId``, ``StageName``,
``CreatedDate``) and similar files (one row per stage a deal entered) become
``deal id -> [(stage, when)]``, oldest first.  Salesforce ids are also
indexed by their 15-character form, which report exports use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from pipeline_tui.dataio.importing.columns import find_column
from pipeline_tui.dataio.importing.table import RowProblem, Table
from pipeline_tui.dataio.importing.values import SlashOrder, detect_dates, parse_datetime
from pipeline_tui.i18n import _

_ID = ("OpportunityId", "Opportunity ID", "Deal Name.id", "Deal ID", "Deal - ID", "Record ID",
       "external_id", "deal")  # fmt: skip
_STAGE = ("StageName", "Stage", "Moved To", "NewValue", "to_stage")
_WHEN = ("CreatedDate", "Modified Time", "Changed At", "Date", "when", "entered")


@dataclass(frozen=True, slots=True)
class StageHistory:
    """Deal id -> the stages it entered, oldest first, with the file's problems."""

    source: str
    entries: Mapping[str, tuple[tuple[str, datetime], ...]] = field(default_factory=dict)
    problems: tuple[RowProblem, ...] = ()
    deals: int = 0

    def of(self, external_id: str) -> tuple[tuple[str, datetime], ...]:
        return self.entries.get(external_id) or self.entries.get(external_id[:15]) or ()


def read_stage_history(
    table: Table, zone: tzinfo | None, order: SlashOrder | None = None
) -> StageHistory:
    """Index a stage-history table; a missing column is one file-level problem."""
    problems = list(table.problems)
    columns = {
        "deal id": find_column(table.columns, _ID),
        "stage": find_column(table.columns, _STAGE),
        "date": find_column(table.columns, _WHEN),
    }
    missing = [what for what, column in columns.items() if column is None]
    if missing:
        message = f"stage history needs a {' and a '.join(missing)} column (e.g. {_ID[0]}, "
        message += f"{_STAGE[0]}, {_WHEN[0]})"
        return StageHistory(table.source, {}, (*problems, RowProblem(table.source, None, message)))
    id_col, stage_col, when_col = (str(c) for c in columns.values())
    dates = detect_dates((r.cells.get(when_col, "") for r in table.rows), order)
    found: dict[str, list[tuple[str, datetime]]] = {}
    for row in table.rows:
        deal, stage = row.cells.get(id_col, "").strip(), row.cells.get(stage_col, "").strip()
        text = row.cells.get(when_col, "").strip()
        if not (deal and stage and text):
            continue
        try:
            when = parse_datetime(text, dates.order, zone)
        except ValueError as exc:
            problems.append(RowProblem(table.source, row.number, str(exc), when_col, "warning"))
            continue
        found.setdefault(deal, []).append((stage, when))
        if len(deal) == 18:
            found.setdefault(deal[:15], found[deal])
    entries = {k: tuple(sorted(v, key=lambda e: e[1])) for k, v in found.items()}
    deals = len({id(v) for v in found.values()})
    return StageHistory(table.source, entries, tuple(problems), deals)


@dataclass(frozen=True, slots=True)
class Lookup:
    """Ids -> names from one file (``User.csv``), named for the warnings about ids it lacks."""

    source: str
    names: Mapping[str, str]
    known: frozenset[str] = frozenset()  # the names themselves: a report's cell holds one

    def name_of(self, text: str) -> str | None:
        """The name of an id (its 18 or 15 characters), or of a name; None: not in the file."""
        found = self.names.get(text) or self.names.get(text[:15])
        if found is None and text in self.known:
            return text
        return found


def lookup_from_table(table: Table) -> tuple[Lookup, list[RowProblem]]:
    """An id -> name table (Salesforce ``Account.csv``, ``User.csv``, HubSpot owners).

    The name is ``Name`` (or ``First Name`` + ``Last Name``); ids are also
    indexed by their 15-character Salesforce form.
    """
    problems = list(table.problems)
    id_col = find_column(table.columns, ("Id", "Owner ID", "User ID", "Account ID", "Record ID"))
    name_col = find_column(table.columns, ("Name", "Full Name", "Account Name", "Company Name"))
    first = find_column(table.columns, ("FirstName", "First Name"))
    last = find_column(table.columns, ("LastName", "Last Name"))
    if id_col is None or (name_col is None and last is None):
        problems.append(
            RowProblem(table.source, None, _("a lookup file needs an Id and a Name column"))
        )
        return Lookup(table.source, {}), problems
    names: dict[str, str] = {}
    for row in table.rows:
        key = row.cells.get(id_col, "").strip()
        name = row.cells.get(name_col, "").strip() if name_col else ""
        if not name:
            parts = (row.cells.get(c, "").strip() for c in (first, last) if c)
            name = " ".join(p for p in parts if p)
        if key and name:
            names[key] = name
            if len(key) == 18:
                names.setdefault(key[:15], name)
    return Lookup(table.source, names, frozenset(names.values())), problems
