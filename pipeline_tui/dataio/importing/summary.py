"""The import summary: counts and grouped problems instead of one line per row.

Pure.  Thousands of rows refused for the same reason are one group: the
message (with the cell values that differ from row to row replaced by
``…``), how many rows, and the first few row numbers; ``--errors FILE``
writes every problem.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipeline_tui.core.model import severity_label
from pipeline_tui.dataio.importing.mapped import MappingResult
from pipeline_tui.dataio.importing.table import RowProblem
from pipeline_tui.i18n import N_, _

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d[\d.,:/ -]*\d\b|\b\d\b")
FIRST_ROWS = 5


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    severity: str
    column: str | None
    pattern: str
    example: RowProblem
    rows: tuple[int, ...]
    count: int

    def describe(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:FIRST_ROWS])
        more = ", ..." if self.count > FIRST_ROWS else ""
        where = _("column {column!r}: ").format(column=self.column) if self.column else ""
        if self.count == 1:
            return f"{self.example}"
        return _(
            "{source}: {severity}: {where}{message} ({count} rows like this: {rows}{more})"
        ).format(
            source=self.example.source,
            severity=severity_label(self.severity),
            where=where,
            message=self.example.message,
            count=self.count,
            rows=shown,
            more=more,
        )


def group_problems(problems: Iterable[RowProblem]) -> list[ProblemGroup]:
    """Row problems with the same severity, column and message shape, in first-seen order.

    A problem without a row (about the whole file: a ``--map`` naming a
    missing column, a date question) is never grouped: two of them differ
    in what they name, which the group would hide behind the first.
    """
    groups: dict[tuple[str, str | None, str, int], list[RowProblem]] = {}
    for index, problem in enumerate(problems):
        alone = index if problem.row is None else -1
        key = (problem.severity, problem.column, _QUOTED.sub("…", problem.message), alone)
        groups.setdefault(key, []).append(problem)
    return [
        ProblemGroup(
            sev, col, pattern, found[0], tuple(p.row for p in found if p.row is not None),
            len(found),
        )
        for (sev, col, pattern, _alone), found in groups.items()
    ]  # fmt: skip


def problems_csv(problems: Sequence[RowProblem]) -> str:
    """Every problem as CSV rows (source, row, column, severity, message) for --errors."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("source", "row", "column", "severity", "message"))
    for p in problems:
        writer.writerow((p.source, p.row or "", p.column or "", p.severity, p.message))
    return out.getvalue()


def outcome_counts(result: MappingResult, won: str, lost: str) -> dict[str, int]:
    """Rows that will be won, lost and open."""
    stages = Counter(str(r.fields.get("stage")) for r in result.rows)
    return {
        "won": stages.get(won, 0),
        "lost": stages.get(lost, 0),
        "open": sum(n for s, n in stages.items() if s not in (won, lost)),
    }


def adjustments(result: MappingResult) -> dict[str, list[int]]:
    """How out-of-order or future dates were reconciled -> rows."""
    found: dict[str, list[int]] = {}
    for row in result.rows:
        if row.adjusted:
            found.setdefault(row.adjusted, []).append(row.number)
        if row.future:
            found.setdefault(N_("steps after now dated at the import"), []).append(row.number)
    return found


def describe_columns(result: MappingResult) -> list[str]:
    """What the dry run says about the file: preset, date conventions, scales, stages."""
    lines = []
    if result.detection is not None:
        lines.append(_("preset: {preset}").format(preset=result.detection.describe()))
    for column, dates in result.dates.items():
        lines.append(
            _("dates in {column!r}: {dates}").format(column=column, dates=dates.describe())
        )
    if result.probability_scale is not None:
        prob = result.columns.column_of("probability")
        scale = "0-100" if result.probability_scale == "percent" else "0-1"
        lines.append(_("probability in {prob!r}: {scale}").format(prob=prob, scale=scale))
    if result.stage_map:
        pairs = ", ".join(f"{k} -> {v}" for k, v in result.stage_map.items())
        lines.append(_("stages: {pairs}").format(pairs=pairs))
    if result.history_source:
        lines.append(_("stage dates from {source}").format(source=result.history_source))
    return lines


def summary_json(result: MappingResult, won: str, lost: str) -> Mapping[str, object]:
    """The parts of the summary ``--json`` adds to the outcome."""
    return {
        "preset": result.detection.preset.name if result.detection else None,
        "preset_reason": result.detection.describe() if result.detection else None,
        "date_formats": {c: d.describe() for c, d in result.dates.items()},
        "probability_scale": result.probability_scale,
        "stage_map": dict(result.stage_map),
        "outcomes": outcome_counts(result, won, lost),
        "adjusted": adjustments(result),
        "custom_columns": list(result.columns.custom),
        "problem_groups": [
            {"severity": g.severity, "column": g.column, "message": g.example.message,
             "count": g.count, "rows": list(g.rows[:FIRST_ROWS])}
            for g in group_problems(result.problems)
        ],
    }  # fmt: skip
