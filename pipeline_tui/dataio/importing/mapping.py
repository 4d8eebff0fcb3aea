"""Rows of text to opportunity fields and dated events: the import rules, pure.

Given a :class:`Table`, the pipeline config and the user's options, this
decides for every row what the opportunity will hold and what happened when
(created, engaged, closed), or why the row cannot be imported.  Nothing here
reads files or touches git, so every rule is testable on plain values and the
dry run shows exactly what the real run would do.

This module holds the table-level rules (columns, date formats, duplicates,
the final schema check); one row's rules are in :mod:`.row`, the values they
produce in :mod:`.mapped`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.validation import missing_requirements, opportunity_problems
from pipeline_tui.dataio.importing.columns import (
    SYNONYMS,
    ColumnPlan,
    find_column,
    is_target_field,
    normalize,
    plan_columns,
)
from pipeline_tui.dataio.importing.mapped import (
    ConfigAdditions,
    ImportOptions,
    MappedRow,
    MappingResult,
)
from pipeline_tui.dataio.importing.presets import Detection, detect_preset
from pipeline_tui.dataio.importing.row import (
    DATE_FIELDS,
    DATETIME_FIELDS,
    TEMPLATE_NAME,
    RowMapper,
    fallbacks,
)
from pipeline_tui.dataio.importing.table import Row, RowProblem, Table
from pipeline_tui.dataio.importing.values import (
    DateColumn,
    detect_dates,
)
from pipeline_tui.i18n import _

_PLACEHOLDER_ID = "import-row"


def parse_map_options(options: Iterable[str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``column=field`` and ``field:VALUE=replacement`` options, or ValueError."""
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for option in options:
        head, sep, target = option.partition("=")
        if not sep:
            raise ValueError(
                _("--map {option!r}: expected COLUMN=FIELD or FIELD:VALUE=NEW").format(
                    option=option
                )
            )
        fld, colon, raw = head.partition(":")
        if colon and fld.strip():
            values.setdefault(fld.strip(), {})[raw.strip()] = target.strip()
            continue
        target = target.strip()
        if target and not is_target_field(target):
            raise ValueError(
                _("--map {option!r}: {target!r} cannot be a field name").format(
                    option=option, target=target
                )
            )
        columns[head.strip()] = target
    return columns, values


def parse_defaults(options: Iterable[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip() or not is_target_field(key.strip()):
            raise ValueError(_("--default {option!r}: expected FIELD=VALUE").format(option=option))
        result[key.strip()] = value.strip()
    return result


def map_table(
    table: Table,
    config: PipelineConfig,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> MappingResult:
    """Every row mapped, or refused with a reason; file-level problems stop early.

    ``progress(done, total)`` is called as rows are mapped, then checked
    against the schema and the config (``total`` is twice the rows: a
    progress bar moves through both passes).
    """
    if progress is not None:
        progress(0, 2 * len(table.rows))  # the bar shows while the columns are surveyed
    detection = detect_preset(table.columns, options.preset) if table.columns else None
    plan = _plan(table, options, detection)
    problems = list(table.problems)
    problems += _file_problems(table, plan, options)
    dates, question = _date_columns(table, plan, options, detection)
    problems += question
    if options.stage_history is not None:
        problems += options.stage_history.problems
    if any(p.file_level and p.severity == "error" for p in problems):
        return MappingResult((), tuple(problems), ConfigAdditions(), plan, {}, detection, dates)
    mapper = RowMapper(table, plan, config, options, detection, dates)
    rows: list[MappedRow] = []
    seen: dict[str, int] = {}
    total = 2 * len(table.rows)
    for done, row in enumerate(table.rows, start=1):
        if progress is not None and done % 200 == 0:
            progress(done, total)
        mapped, found = mapper.map_row(row)
        problems += found
        if mapped is None:
            continue
        first = seen.setdefault(mapped.external_id, row.number)
        if first != row.number:
            problems.append(_duplicate(table, row, first, mapped.external_id, plan))
            continue
        rows.append(mapped)
    problems += mapper.unused_maps()
    problems += mapper.currency_warnings()
    additions = mapper.additions()
    checked = additions.apply(config)
    valid: list[MappedRow] = []
    for done, mapped in enumerate(rows, start=1):
        if progress is not None and done % 200 == 0:
            progress(total - len(rows) + done, total)
        found = _validation_problems(table.source, mapped, checked, plan)
        problems += found
        if not any(p.severity == "error" for p in found):
            valid.append(mapped)
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    unknown = {f: dict(c) for f, c in mapper.unknown.items() if c}
    stage_map = mapper.stage_map_shown()
    return MappingResult(
        tuple(valid), tuple(problems), additions, plan, unknown, detection, dates,
        mapper.scale, stage_map, mapper.history_source,
    )  # fmt: skip


def _plan(table: Table, options: ImportOptions, detection: Detection | None) -> ColumnPlan:
    """The column plan, with the preset's names, signal and bookkeeping columns."""
    if detection is None:
        return plan_columns(table.columns, options.column_map)
    preset = detection.preset
    signals: dict[str, str] = {}
    for name in (*preset.signals, *preset.current_stage_since):
        column = find_column(table.columns, (name,))
        if column is not None:
            signals[column] = _("read by the {label} preset").format(label=_(preset.label))
    for column in table.columns:
        stage = preset.entered(column)
        if stage:
            signals[column] = _("stage history: entered {stage}").format(stage=stage)
    dropped: dict[str, str] = {}
    for name in preset.dropped:
        column = find_column(table.columns, (name,))
        if column is not None:
            dropped[column] = _("{label} bookkeeping").format(label=_(preset.label))
    plan = plan_columns(table.columns, options.column_map, preset.columns, signals, dropped)
    spare = {c for f in plan.fields for c in fallbacks(table, plan, options, detection, f)}
    if not spare & set(plan.custom):
        return plan
    fields = {f: c for f, c in plan.fields.items() if c not in spare or f in preset.columns}
    moved = {
        c: _("read where {field!r} is blank").format(field=plan.fields[f])
        for f in plan.fields
        for c in fallbacks(table, plan, options, detection, f)
        if c in plan.custom
    }
    custom = tuple(c for c in plan.custom if c not in moved)
    fields = {f: c for f, c in fields.items() if c not in moved}
    return dataclasses.replace(
        plan, fields=fields, signals={**plan.signals, **moved}, custom=custom
    )


def _date_columns(
    table: Table, plan: ColumnPlan, options: ImportOptions, detection: Detection | None
) -> tuple[dict[str, DateColumn], list[RowProblem]]:
    """Each date column's convention; columns no value settles ask one question."""
    columns = [c for f, c in plan.fields.items() if f in DATETIME_FIELDS or f in DATE_FIELDS]
    if detection is not None:
        preset = detection.preset
        for fld in (*DATETIME_FIELDS, *DATE_FIELDS):
            columns += [c for c in fallbacks(table, plan, options, detection, fld)]
        columns += [c for c in plan.signals if preset.entered(c)]
        columns += [
            c for n in preset.current_stage_since if (c := find_column(table.columns, (n,)))
        ]
    found = {
        c: detect_dates((r.cells.get(c, "") for r in table.rows), options.date_format)
        for c in dict.fromkeys(columns)
    }
    conflicts = [c for c, d in found.items() if d.ambiguous and d.evidence]
    settled = next(
        ((c, d) for c, d in found.items() if d.evidence and not d.ambiguous and "slash" in d.kinds),
        None,
    )
    unsure = [c for c, d in found.items() if d.ambiguous and not d.evidence]
    if settled is not None:
        for column in unsure:
            found[column] = dataclasses.replace(
                found[column], order=settled[1].order, ambiguous=False,
                evidence=_("as column {column!r}").format(column=settled[0]),
            )  # fmt: skip
        unsure = []
    problems = [
        RowProblem(
            table.source, None,
            _(
                "dates in this column are both month-first and day-first ({evidence}); "
                "fix the column or pass --date-format mdy|dmy"
            ).format(evidence=found[c].evidence), c,
        )
        for c in conflicts
    ]  # fmt: skip
    if unsure:
        example = next(
            v for r in table.rows for c in unsure if "/" in (v := r.cells.get(c, "").strip())
        )
        problems.append(
            RowProblem(
                table.source,
                None,
                _(
                    "is {example!r} month/day or day/month? No date in column(s) {join} "
                    "says (none has a day above 12): pass --date-format mdy (US: 3/1 is "
                    "March 1) or --date-format dmy (3/1 is 1 March)"
                ).format(example=example, join=", ".join(repr(c) for c in unsure)),
            )
        )
    return found, problems


# --------------------------------------------------------------------------- file level


def _file_problems(table: Table, plan: ColumnPlan, options: ImportOptions) -> list[RowProblem]:
    problems = []
    if not table.columns:
        return []
    for column in options.column_map:
        if normalize(column) not in {normalize(c) for c in table.columns}:
            known = ", ".join(table.columns)
            problems.append(
                RowProblem(
                    table.source,
                    None,
                    _("--map names column {column!r}, not in: {known}").format(
                        column=column, known=known
                    ),
                )
            )
    needs = {"account": "account"}
    if options.title_template is None:
        needs["title"] = _("title (or give --title TEMPLATE)")
    for fld, what in needs.items():
        if fld not in plan.fields and fld not in options.defaults:
            looked = ", ".join(SYNONYMS[fld])
            problems.append(
                RowProblem(
                    table.source,
                    None,
                    _(
                        "missing required column {what}: looked for {looked}; name one with "
                        "--map COLUMN={fld} or set --default {fld}=VALUE"
                    ).format(what=what, looked=looked, fld=fld),
                )
            )
    if options.title_template is not None:
        names = TEMPLATE_NAME.findall(options.title_template)
        available = {normalize(c) for c in table.columns} | set(plan.fields) | set(options.defaults)
        for name in names:
            if normalize(name) not in available and name not in available:
                problems.append(
                    RowProblem(
                        table.source,
                        None,
                        _("--title names {{{name}}}: no such column").format(name=name),
                    )
                )
        if not names:
            problems.append(RowProblem(table.source, None, _("--title has no {column} in it")))
    return problems


def _duplicate(
    table: Table, row: Row, first: int, external_id: str, plan: ColumnPlan
) -> RowProblem:
    column = plan.column_of("external_id")
    what = (
        _("same {column} {external_id!r}").format(column=column, external_id=external_id)
        if column
        else _("identical cells")
    )
    return RowProblem(
        table.source,
        row.number,
        _("duplicate of row {first} ({what})").format(first=first, what=what),
        column,
    )


def _validation_problems(
    source: str, mapped: MappedRow, config: PipelineConfig, plan: ColumnPlan
) -> list[RowProblem]:
    """Schema and config rules on the final record; stage entry criteria as warnings."""
    data = {"id": _PLACEHOLDER_ID, **mapped.fields}
    found = opportunity_problems(data, f"opportunities/{_PLACEHOLDER_ID}.yaml", config)
    problems = [
        RowProblem(source, mapped.number, p.message, plan.column_of(p.field or ""), p.severity)
        for p in found
    ]
    missing = missing_requirements(data, config.stage(str(data["stage"])))
    if missing:
        problems.append(
            RowProblem(
                source,
                mapped.number,
                _("stage {data!r} expects {join} (left empty)").format(
                    data=data["stage"], join=", ".join(missing)
                ),
                severity="warning",
            )
        )
    return problems
