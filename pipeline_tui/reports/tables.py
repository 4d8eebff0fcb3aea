"""A report as people read it: one titled table per section, as text, Markdown or CSV.

The JSON value of each section (see :mod:`pipeline_tui.reports.build`) is turned
into rows with typed columns; the column type decides the formatting
(currency from ``pipeline.yaml``, rates as percentages, days with one
decimal).  CSV keeps raw numbers and stable English column keys so a
spreadsheet or script can compute with them; tables and Markdown use
translated headings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from wcwidth import wcswidth

from pipeline_tui.i18n import _
from pipeline_tui.reports.metrics.forecast import UNSCHEDULED
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED
from pipeline_tui.reports.sections import by_key
from pipeline_tui.reports.textgrid import Align, grid
from pipeline_tui.tabular import csv_cell
from pipeline_tui.terminal_text import cell_text

Kind = Literal["text", "int", "money", "rate", "days", "hours"]

#: Symbols for common currencies; others are written as "1,234 CHF".
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥", "HKD": "HK$"}
EMPTY = "–"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class SectionTable:
    """One table of a report. ``kinds`` overrides a cell's kind per row (key/value tables)."""

    section: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    kinds: list[dict[str, Kind]] = field(default_factory=list)


def format_money(amount: float | None, currency: str) -> str:
    if amount is None:
        return EMPTY
    text = f"{amount:,.2f}" if not float(amount).is_integer() else f"{amount:,.0f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def format_cell(value: Any, kind: Kind, currency: str) -> str:
    """A value as shown to people; None (undefined) shows as a dash, never as 0."""
    if value is None:
        return EMPTY
    if kind == "money":
        return format_money(float(value), currency)
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind in ("days", "hours"):
        return f"{float(value):.1f}"
    if kind == "int":
        return f"{int(value):,}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value == UNASSIGNED:  # the metrics' key for "no source / owner / reason"
        return _("(none)")
    if value == UNSCHEDULED:  # the forecast's month for deals without a close date
        return _("unscheduled")
    return str(value)


# --------------------------------------------------------------------------- sections -> rows


def section_tables(report: Mapping[str, Any]) -> list[SectionTable]:
    tables: list[SectionTable] = []
    for key, value in report.items():
        tables.extend(by_key(key).table_builder()(key, value))
    return tables


def _title(key: str) -> str:
    return _(by_key(key).title)


def _key_values(
    key: str, items: Sequence[tuple[str, str, Kind]], value: Mapping[str, Any]
) -> list[SectionTable]:
    columns = (Column("metric", _("Metric")), Column("value", _("Value")))
    rows = [
        {"metric": _(label), "value": value.get(name), "key": name} for name, label, _k in items
    ]
    kinds: list[dict[str, Kind]] = [{"value": kind} for _n, _l, kind in items]
    return [SectionTable(key, _title(key), columns, rows, kinds)]


def _per_key(
    key: str, value: Mapping[str, Any], first: Column, columns: Sequence[Column]
) -> list[SectionTable]:
    rows = [{first.key: name, **values} for name, values in value.items()]
    return [SectionTable(key, _title(key), (first, *columns), rows)]


def summary_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    items: list[tuple[str, str, Kind]] = [
        ("open", "Open opportunities", "int"),
        ("open_amount", "Open amount", "money"),
        ("won", "Won", "int"),
        ("won_amount", "Won amount", "money"),
        ("lost", "Lost", "int"),
        ("win_rate", "Win rate", "rate"),
        ("avg_won_amount", "Average won amount", "money"),
        ("cycle_days_median", "Sales cycle (median days)", "days"),
        ("velocity_per_day", "Sales velocity (per day)", "money"),
    ]
    return _key_values(key, items, value)


def sources_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    rows = []
    for source, values in value.items():
        created = values["created"]
        rows.append(
            {
                "source": source,
                **values,
                "won_of_created": values["won"] / created if created else None,
            }
        )
    columns = (
        Column("source", _("Source")),
        Column("created", _("Created"), "int"),
        Column("won", _("Won"), "int"),
        Column("lost", _("Lost"), "int"),
        Column("rate", _("Won ÷ closed"), "rate"),
        Column("won_of_created", _("Won ÷ created"), "rate"),
    )
    return [SectionTable(key, _title(key), columns, rows)]


def first_contact_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    items: list[tuple[str, str, Kind]] = [
        ("sla_hours", "SLA (hours)", "hours"),
        ("within_sla", "Within SLA", "rate"),
        ("median_hours", "Median hours to first contact", "hours"),
    ]
    return _key_values(key, items, value)


def stages_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    return _per_key(
        key,
        value,
        Column("stage", _("Stage")),
        (
            Column("count", _("Finished stays"), "int"),
            Column("median_days", _("Median days"), "days"),
            Column("mean_days", _("Mean days"), "days"),
            Column("p90_days", _("P90 days"), "days"),
            Column("open_count", _("Open now"), "int"),
        ),
    )


def conversion_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    rows = [
        {"stage": s, **v, "leakage": v["lost"] / v["reached"] if v["reached"] else None}
        for s, v in value.items()
    ]
    columns = (
        Column("stage", _("Stage")),
        Column("reached", _("Reached"), "int"),
        Column("advanced", _("Advanced"), "int"),
        Column("lost", _("Lost"), "int"),
        Column("rate", _("Conversion"), "rate"),
        Column("leakage", _("Leakage"), "rate"),
    )
    return [SectionTable(key, _title(key), columns, rows)]


def completeness_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    rows = [{"owner": owner, "mean": mean} for owner, mean in value["by_owner"].items()]
    rows.append({"owner": _("All"), "mean": value["mean"]})
    columns = (Column("owner", _("Owner")), Column("mean", _("Completeness"), "rate"))
    return [SectionTable(key, _title(key), columns, rows)]


def lost_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    return _per_key(
        key,
        value,
        Column("reason", _("Reason")),
        (
            Column("count", _("Count"), "int"),
            Column("amount", _("Amount"), "money"),
            Column("by_stage", _("Lost from stage")),
        ),
    )


def repeat_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    items: list[tuple[str, str, Kind]] = [
        ("accounts_won", "Accounts with a win", "int"),
        ("accounts_repeat", "Repeat accounts", "int"),
        ("rate", "Repeat rate", "rate"),
    ]
    return _key_values(key, items, value)


def leads_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    items: list[tuple[str, str, Kind]] = [
        ("leads", "Leads created", "int"),
        ("qualified", "Qualified", "int"),
        ("rate", "Lead-to-opportunity rate", "rate"),
    ]
    columns = (
        Column("leads", _("Leads created"), "int"),
        Column("qualified", _("Qualified"), "int"),
        Column("rate", _("Lead-to-opportunity rate"), "rate"),
    )
    cuts = [
        SectionTable(key, f"{_title(key)}: {_(label)}", (Column(cut, _(label)), *columns),
                     list(value[rows]))
        for rows, cut, label in (("by_source", "source", "Source"),
                                 ("by_campaign", "campaign", "Campaign"))
        if value[rows]
    ]  # fmt: skip
    return _key_values(key, items, value) + cuts


def lifetime_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    items: list[tuple[str, str, Kind]] = [
        ("accounts", "Accounts with a win", "int"),
        ("mean", "Mean lifetime value", "money"),
        ("median", "Median lifetime value", "money"),
    ]
    by_source = SectionTable(
        key,
        f"{_title(key)}: {_('Source')}",
        (
            Column("source", _("Source of the first deal")),
            Column("accounts", _("Accounts"), "int"),
            Column("mean", _("Mean"), "money"),
            Column("median", _("Median"), "money"),
        ),
        list(value["by_source"]),
    )
    return [*_key_values(key, items, value), *([by_source] if value["by_source"] else [])]


def activity_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    return _per_key(
        key,
        value,
        Column("owner", _("Owner")),
        (
            Column("changes", _("Changes"), "int"),
            Column("activities", _("Activities"), "int"),
            Column("moves", _("Stage moves"), "int"),
            Column("touched", _("Opportunities touched"), "int"),
        ),
    )


def weighted_forecast_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    return _per_key(
        key,
        value,
        Column("month", _("Month")),
        (Column("count", _("Count"), "int"), Column("weighted", _("Weighted"), "money")),
    )


def stale_tables(key: str, value: Sequence[Mapping[str, Any]]) -> list[SectionTable]:
    words = stale_reasons()  # translated once: the list runs to 90,000 rows at 100,000 deals
    rows = [{**item, "why": words.get(item["reason"], item["reason"])} for item in value]
    columns = (
        Column("id", "ID"),
        Column("owner", _("Owner")),
        Column("manager", _("Manager")),
        Column("why", _("Why")),
        Column("days", _("Days"), "days"),
    )
    return [SectionTable(key, _title(key), columns, rows)]


def stale_reason(code: str) -> str:
    """A stale reason code in words, in the interface language."""
    return stale_reasons().get(code, code)


def stale_reasons() -> dict[str, str]:
    """Every stale reason code and its words, in the interface language."""
    return {
        "over_stage_limit": _("over the stage's day limit"),
        "next_step_overdue": _("next step overdue"),
        "no_activity": _("no activity"),
    }


def leaderboard_tables(key: str, value: Sequence[Mapping[str, Any]]) -> list[SectionTable]:
    columns = (
        Column("owner", _("Owner")),
        Column("won_amount", _("Won amount"), "money"),
        Column("win_rate", _("Win rate"), "rate"),
        Column("open_amount", _("Open amount"), "money"),
    )
    return [SectionTable(key, _title(key), columns, [dict(r) for r in value])]


def hygiene_tables(key: str, value: Mapping[str, Any]) -> list[SectionTable]:
    title = _title(key)
    duplicates = [{"first": a, "second": b} for a, b in value["duplicates"]]
    return [
        SectionTable(
            key,
            f"{title}: {_('Likely duplicates')}",
            (Column("first", "ID"), Column("second", "ID")),
            duplicates,
        ),
        SectionTable(
            key,
            f"{title}: {_('Missing required fields')}",
            (Column("id", "ID"), Column("stage", _("Stage")), Column("fields", _("Fields"))),
            [dict(r) for r in value["missing_required"]],
        ),
        SectionTable(
            key,
            f"{title}: {_('Values not in pipeline.yaml')}",
            (Column("id", "ID"), Column("field", _("Field")), Column("value", _("Value"))),
            [dict(r) for r in value["unknown_values"]],
        ),
    ]


# --------------------------------------------------------------------------- renderers


#: A field value's display label (``PipelineConfig.value_display``): (field, value) -> text.
ValueLabels = Callable[[str, str], str]
#: Columns that hold a configured field value, and which field.
_VALUE_COLUMNS = {"source": "source", "reason": "lost_reason"}


def cells(table: SectionTable, currency: str, values: ValueLabels | None = None) -> list[list[str]]:
    """The table's rows as display strings (control characters escaped: they reach terminals).

    ``values`` shows sources and lost reasons by their labels (``value_labels:``).
    """
    return [list(row) for row in zip(*columns(table, currency, values), strict=True)]


def columns(
    table: SectionTable, currency: str, values: ValueLabels | None = None
) -> list[list[str]]:
    """:func:`cells` column by column, as the text renderer lays a table out.

    Why by column: a plain text column (ids, owners, reasons) is mostly
    strings shown as they are, which one check per value and one scan for
    control characters per column cover; a long stale list has 90,000 rows.
    """
    return [_column_texts(table, column, currency, values) for column in table.columns]


def _column_texts(
    table: SectionTable, column: Column, currency: str, values: ValueLabels | None
) -> list[str]:
    key, kind = column.key, column.kind
    raw = [row.get(key) for row in table.rows]
    if table.kinds:  # a kind per row (key/value tables: a few rows)
        count = len(table.kinds)
        kinds = [table.kinds[i].get(key, kind) if i < count else kind for i in range(len(raw))]
        texts = [_labelled(key, v, k, currency, values) for v, k in zip(raw, kinds, strict=True)]
    elif values is not None and key in _VALUE_COLUMNS:
        texts = [_labelled(key, v, kind, currency, values) for v in raw]
    elif kind == "text":  # format_cell's cases, a plain string first
        texts = [
            v
            if type(v) is str and v != UNASSIGNED and v != UNSCHEDULED
            else format_cell(v, kind, currency)
            for v in raw
        ]
    else:
        texts = [format_cell(v, kind, currency) for v in raw]
    joined = "".join(texts)
    if cell_text(joined) == joined:  # nothing to escape anywhere: one scan
        return texts
    return [cell_text(text) for text in texts]


def _labelled(key: str, value: Any, kind: Kind, currency: str, values: ValueLabels | None) -> str:
    field_key = _VALUE_COLUMNS.get(key)
    if values is not None and field_key and isinstance(value, str) and value != UNASSIGNED:
        return values(field_key, value)
    return format_cell(value, kind, currency)


def _aligns(table: SectionTable) -> list[Align]:
    numeric = ("int", "money", "rate", "days", "hours")
    if table.kinds:
        return ["left", "right"]
    return ["right" if c.kind in numeric else "left" for c in table.columns]


def render_text(
    report: Mapping[str, Any],
    currency: str,
    markdown: bool = False,
    values: ValueLabels | None = None,
) -> str:
    """Every section as a titled table: plain for the terminal, GitHub Markdown for docs."""
    return render_tables(section_tables(report), currency, markdown, values)


def render_tables(
    tables: Sequence[SectionTable],
    currency: str,
    markdown: bool = False,
    values: ValueLabels | None = None,
) -> str:
    blocks = []
    for table in tables:
        heading = f"## {table.title}" if markdown else f"{table.title}\n{'=' * _width(table.title)}"
        if table.rows:
            body = grid(
                columns(table, currency, values),
                [c.label for c in table.columns],
                _aligns(table),
                "github" if markdown else "simple",
            )
        else:
            body = _("(none)")
        blocks.append(f"{heading}\n\n{body}" if markdown else f"{heading}\n{body}")
    return "\n\n".join(blocks)


def forecast_tables(
    forecast: Mapping[str, Any], accuracy: Mapping[str, Any], by: str
) -> list[SectionTable]:
    """``pipeline forecast``: the forecast by month or owner, then accuracy per past month."""
    first = Column("month", _("Month")) if by == "month" else Column("month", _("Owner"))
    tables = weighted_forecast_tables("forecast", forecast)
    tables[0] = SectionTable(
        "forecast", tables[0].title, (first, *tables[0].columns[1:]), tables[0].rows
    )
    rows = [{"month": month, **values} for month, values in accuracy.items()]
    columns = (
        Column("month", _("Month")),
        Column("forecast", _("Forecast at month start"), "money"),
        Column("won", _("Won in month"), "money"),
        Column("accuracy", _("Won ÷ forecast"), "rate"),
    )
    tables.append(SectionTable("accuracy", _("Forecast accuracy"), columns, rows))
    return tables


def render_csv(report: Mapping[str, Any]) -> str:
    """One CSV block per table, each headed ``section,<columns>``, blocks separated by a blank line.

    With one section requested the output is a single plain CSV file.
    """
    blocks = []
    for table in section_tables(report):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        keys = [c.key for c in table.columns]
        if table.kinds:
            keys = ["key", "value"]
        writer.writerow(["section", *keys])
        for row in table.rows:
            writer.writerow([table.section, *(_csv_value(row.get(k)) for k in keys)])
        blocks.append(buffer.getvalue())
    return "\n".join(blocks).rstrip("\n")


def _csv_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return csv_cell(value) if not isinstance(value, float) else repr(value)


def _width(text: str) -> int:
    return max(len(text), wcswidth(text))
