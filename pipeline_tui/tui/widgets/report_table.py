"""A report section as a DataTable, and a report chart as a plotext bar chart.

Both paint values computed by :mod:`pipeline_tui.reports.build` and formatted by
:mod:`pipeline_tui.reports.tables` / :mod:`pipeline_tui.reports.charts`, so the
metrics screen and ``pipeline report`` always show the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable, Label
from textual_plotext import PlotextPlot

from pipeline_tui.reports.charts import amount_ticks
from pipeline_tui.reports.tables import SectionTable, cells

_NUMERIC = ("int", "money", "rate", "days", "hours")


class ReportTable(DataTable[Text]):
    """One section table; in the stale list each row's key is the deal's id."""

    def __init__(self, table: SectionTable, currency: str, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.table = table
        self.currency = currency
        self.border_title = table.title

    def on_mount(self) -> None:
        table = self.table
        key_value = bool(table.kinds)  # metric/value tables: the value column is numeric
        right = [
            column.kind in _NUMERIC or (key_value and index == 1)
            for index, column in enumerate(table.columns)
        ]
        for index, column in enumerate(table.columns):
            self.add_column(Text(column.label, justify="right" if right[index] else "left"))
        for row, texts in zip(table.rows, cells(table, self.currency), strict=True):
            key = row.get("id") if table.section == "stale" else None
            aligned = [
                Text(text, justify="right" if numeric else "left")
                for text, numeric in zip(texts, right, strict=True)
            ]
            self.add_row(*aligned, key=None if key is None else str(key))
        self.styles.height = min(len(table.rows), 30) + 3


class BarChart(PlotextPlot):
    """A horizontal or vertical bar chart (funnel, forecast, days in stage)."""

    def __init__(
        self,
        title: str,
        labels: Sequence[str],
        values: Sequence[float],
        horizontal: bool,
    ) -> None:
        super().__init__(classes="chart")
        self.title = title
        self.labels = list(labels)
        self.values = list(values)
        self.horizontal = horizontal

    def on_mount(self) -> None:
        labels, values = self.labels, self.values
        if self.horizontal:  # plotext draws the first bar at the bottom; read top-down
            labels, values = labels[::-1], values[::-1]
        plt = self.plt
        plt.bar(labels, values, orientation="horizontal" if self.horizontal else "vertical")
        if (amounts := amount_ticks(values)) is not None:
            (plt.xticks if self.horizontal else plt.yticks)(*amounts)
        plt.title(self.title)
        rows = 3 * len(labels) + 5 if self.horizontal else 16
        self.styles.height = max(10, min(rows, 24))


def empty_note(text: str) -> Label:
    return Label(text, classes="empty-note")
