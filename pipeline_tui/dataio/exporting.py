"""Writing the pipeline out for a spreadsheet or another tool: CSV and JSON.

Pure: takes the loaded :class:`Pipeline` and, when history is available, the
timelines, and returns text.  Every opportunity becomes one row with its
fields flattened (``contact.email``), its custom fields, and the date it first
entered each configured stage, taken from git history (``entered_<stage>``).
CSV cells a spreadsheet would run as a formula (``=cmd|...``) are escaped by
:func:`~pipeline_tui.tabular.csv_cell`; ``bom=True`` adds the byte-order mark
Excel needs to read UTF-8 (Chinese titles, accented names) correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pipeline_tui.core.fields import FIELDS, export_columns
from pipeline_tui.core.model import Opportunity, Pipeline, jsonable
from pipeline_tui.core.timeline import Timeline
from pipeline_tui.tabular import csv_cell, to_json

BOM = "\ufeff"
ENTERED_PREFIX = "entered_"
#: Known fields that are no spreadsheet column (activities: many per deal).
_SKIPPED = frozenset(f.key for f in FIELDS if not f.export)


def stage_entries(timeline: Timeline | None) -> dict[str, datetime]:
    """Stage -> when the deal first entered it (first stay, per git history)."""
    entries: dict[str, datetime] = {}
    for interval in timeline.stages if timeline else ():
        entries.setdefault(interval.stage, interval.entered)
    return entries


def export_json(pipeline: Pipeline, timelines: Mapping[str, Timeline] | None) -> str:
    """Every opportunity with all its fields, plus ``stage_entered`` when history is known."""
    records = []
    for record in _sorted(pipeline):
        item = dict(jsonable(record.data))
        if timelines is not None:
            entries = stage_entries(timelines.get(record.id))
            item["stage_entered"] = {s: _iso(entries[s]) for s in _stage_order(pipeline, entries)}
        records.append(item)
    return to_json({"opportunities": records}) + "\n"


def export_csv(
    pipeline: Pipeline, timelines: Mapping[str, Timeline] | None, bom: bool = False
) -> str:
    """One row per opportunity; dates ISO (UTC times as ``YYYY-MM-DD HH:MM:SS``)."""
    rows = [flat_row(record, timelines) for record in _sorted(pipeline)]
    columns = csv_columns(pipeline, rows, with_history=timelines is not None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return (BOM if bom else "") + buffer.getvalue()


def flat_row(record: Opportunity, timelines: Mapping[str, Timeline] | None) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in record.data.items():
        if key in _SKIPPED:
            continue
        if isinstance(value, Mapping):
            for sub, subvalue in value.items():
                row[f"{key}.{sub}"] = _cell_value(subvalue)
        else:
            row[key] = _cell_value(value)
    if timelines is not None:
        for stage, when in stage_entries(timelines.get(record.id)).items():
            row[ENTERED_PREFIX + stage] = _spreadsheet_time(when)
    return row


def csv_columns(
    pipeline: Pipeline, rows: Sequence[Mapping[str, Any]], with_history: bool
) -> list[str]:
    """Known fields in the documented order, then custom fields, then stage entry dates."""
    present = {key for row in rows for key in row}
    columns = export_columns(present)
    known = set(columns)
    custom = sorted(k for k in present if k not in known and not k.startswith(ENTERED_PREFIX))
    columns += custom
    if with_history:
        columns += [ENTERED_PREFIX + s for s in pipeline.config.stage_names]
    return columns


def _sorted(pipeline: Pipeline) -> list[Opportunity]:
    return sorted(pipeline.opportunities, key=lambda r: r.id)


def _stage_order(pipeline: Pipeline, entries: Mapping[str, datetime]) -> list[str]:
    return sorted(entries, key=lambda s: (pipeline.config.stage_index(s), entries[s]))


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _spreadsheet_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(jsonable(v)) for v in value)
    return value


def _spreadsheet_time(when: datetime) -> str:
    """ISO date and time in UTC with a space: the form spreadsheets parse as a date."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _iso(when: datetime) -> str:
    return when.isoformat()
