"""``pipeline report --html FILE``: one self-contained page for the weekly review.

Inline CSS and inline SVG bar charts, no scripts, fonts or links to fetch,
so the file opens anywhere (mail attachment, shared drive, offline laptop).
Every value is escaped: titles and owners are user data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from pipeline_tui.core.money import compact_number
from pipeline_tui.i18n import _, current_language
from pipeline_tui.reports.charts import chart_series
from pipeline_tui.reports.tables import SectionTable, ValueLabels, cells, section_tables

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:60rem;color:#1d2430;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.25rem .7rem;border-bottom:1px solid #eee}
th{text-align:left;background:#f4f6f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{font-weight:600}
.meta{color:#57606a}
"""
_NUMERIC = ("int", "money", "rate", "days", "hours")
_BAR_HEIGHT = 22
_LABEL_WIDTH = 120
_CHART_WIDTH = 420


def render_html(
    report: Mapping[str, Any], currency: str, subtitle: str, values: ValueLabels | None = None
) -> str:
    """The whole page: heading, charts, then every section's tables."""
    charts = "".join(
        _svg_chart(title, labels, values) for title, labels, values, _h in chart_series(report)
    )
    tables = "".join(_table(t, currency, values) for t in section_tables(report))
    title = escape(_("Pipeline report"))
    return (
        f'<!DOCTYPE html>\n<html lang="{current_language().replace("_", "-")}">'
        f'<head><meta charset="utf-8"><title>{title}</title><style>{_STYLE}</style></head>'
        f'<body><h1>{title}</h1><p class="meta">{escape(subtitle)}</p>'
        f'<div class="charts">{charts}</div>{tables}</body></html>\n'
    )


def _table(table: SectionTable, currency: str, values: ValueLabels | None = None) -> str:
    head = "".join(f"<th>{escape(c.label)}</th>" for c in table.columns)
    numeric = [
        c.kind in _NUMERIC or (bool(table.kinds) and i == 1) for i, c in enumerate(table.columns)
    ]
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(v)}</td>' if numeric[i] else f"<td>{escape(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in cells(table, currency, values)
    )
    body = (
        f"<table><tr>{head}</tr>{rows}</table>" if table.rows else f"<p>{escape(_('(none)'))}</p>"
    )
    return f"<h2>{escape(table.title)}</h2>{body}"


def _bar_value(value: float) -> str:
    """A bar's number: ``12.5万`` for a Chinese reader's amounts, else ``120,000.0``."""
    if current_language() == "zh_CN" and abs(value) >= 10_000:
        return compact_number(value)
    return f"{value:,.1f}"


def _svg_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """Horizontal bars scaled to the largest value, each labelled with its number."""
    top = max(values, default=0.0) or 1.0
    height = _BAR_HEIGHT * len(labels) + 10
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + index * _BAR_HEIGHT
        length = (_CHART_WIDTH - _LABEL_WIDTH - 60) * value / top
        bars.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{_BAR_HEIGHT - 6}"'
            f' fill="#3b82f6"/>'
            f'<text x="{_LABEL_WIDTH + length + 4:.1f}" y="{y + 15}">{_bar_value(value)}</text>'
        )
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_CHART_WIDTH}" height="{height}"'
        f' font-size="12" role="img" aria-label="{escape(title)}">{"".join(bars)}</svg></figure>'
    )
