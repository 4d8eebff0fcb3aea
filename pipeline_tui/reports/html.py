"""``pipeline report --html FILE`` and the digest's HTML: pages that survive being e-mailed.

Mail clients drop ``<style>`` blocks, scripts, web fonts and (Gmail, Outlook)
inline SVG, so every element carries its own ``style``, nothing is fetched,
and a chart is a table of bars: each label is text in its own cell, so it is
never clipped however long it is, and amounts carry the currency.  The file
opens the same anywhere (mail, a shared drive, an offline laptop).  Every
value is escaped: titles and owners are user data.  The building blocks here
(styles, :func:`page`, :func:`bar_chart`) are also the digest's, so both
pages look alike and a change to one style changes both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from pipeline_tui.core.money import compact_amount
from pipeline_tui.i18n import _, current_language
from pipeline_tui.reports.charts import MONEY_CHARTS, keyed_chart_series
from pipeline_tui.reports.tables import SectionTable, ValueLabels, cells, section_tables

BODY = (
    'font-family:Arial,Helvetica,"PingFang SC","Microsoft YaHei",sans-serif;'
    "color:#1d2430;max-width:760px;margin:0 auto;padding:16px;font-size:14px"
)
H1 = "font-size:20px;margin:0 0 4px"
H2 = "font-size:16px;margin:20px 0 6px;padding-bottom:2px;border-bottom:1px solid #d0d7de"
H3 = "font-size:14px;margin:12px 0 4px"
META = "color:#57606a;margin:0 0 12px"
TABLE = "border-collapse:collapse;margin:4px 0 12px;font-size:14px"
TH = "padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left;background:#f4f6f8"
TD = "padding:4px 8px;border-bottom:1px solid #eeeeee;text-align:left"
TD_NUM = TD.replace("text-align:left", "text-align:right") + ";white-space:nowrap"
LIST = "margin:0 0 8px;padding-left:20px"
_NUMERIC = ("int", "money", "rate", "days", "hours")
_BAR_MAX_PX = 240
_BAR_COLOR = "#3b82f6"


def page(title: str, body: str) -> str:
    """A whole document around ``body``: charset, language, inline body style, nothing else."""
    lang = current_language().replace("_", "-")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f'<body style="{BODY}">{body}</body></html>\n'
    )


def render_html(
    report: Mapping[str, Any],
    currency: str,
    subtitle: str,
    changes: str = "",
    value_labels: ValueLabels | None = None,
) -> str:
    """The whole page: heading, what changed (the digest's section), charts, every table.

    ``changes`` is the digest's "what changed" section, already rendered
    (:func:`pipeline_tui.reports.digest.changes_html`), or empty;
    ``value_labels`` shows sources and lost reasons by their labels.
    """
    charts = "".join(
        bar_chart(title, labels, values, _value_label(key, currency))
        for key, (title, labels, values, _h) in keyed_chart_series(report)
    )
    tables = "".join(_table(t, currency, value_labels) for t in section_tables(report))
    title = _("Pipeline report")
    return page(
        title,
        f'<h1 style="{H1}">{escape(title)}</h1><p style="{META}">{escape(subtitle)}</p>'
        f"{changes}{charts}{tables}",
    )


def _value_label(key: str, currency: str) -> Callable[[float], str]:
    if key in MONEY_CHARTS:
        return lambda value: compact_amount(value, currency)
    return _bar_value


def _table(table: SectionTable, currency: str, values: ValueLabels | None = None) -> str:
    head = "".join(f'<th style="{TH}">{escape(c.label)}</th>' for c in table.columns)
    numeric = [
        c.kind in _NUMERIC or (bool(table.kinds) and i == 1) for i, c in enumerate(table.columns)
    ]
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td style="{TD_NUM if numeric[i] else TD}">{escape(v)}</td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in cells(table, currency, values)
    )
    body = (
        f'<table style="{TABLE}"><tr>{head}</tr>{rows}</table>'
        if table.rows
        else f"<p>{escape(_('(none)'))}</p>"
    )
    return f'<h2 style="{H2}">{escape(table.title)}</h2>{body}'


def _bar_value(value: float) -> str:
    """A bar's number: ``1,234`` (counts), ``12.5`` (days)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    label: Callable[[float], str] = _bar_value,
) -> str:
    """Horizontal bars as a table: label cell, bar cell, value cell (``label`` formats it).

    The label and value cells do not wrap and set no width, so the table
    grows to fit them instead of cutting them off; bars scale to the largest
    value.  ``data-chart`` names the chart for tests and for people reading
    the source.
    """
    top = max((abs(v) for v in values), default=0.0) or 1.0
    rows = []
    for name, value in zip(labels, values, strict=True):
        width = round(_BAR_MAX_PX * abs(value) / top)
        bar = (
            '<table cellpadding="0" cellspacing="0" style="border-collapse:collapse"><tr>'
            f'<td width="{width}" height="14" bgcolor="{_BAR_COLOR}" style="width:{width}px;'
            f'height:14px;background:{_BAR_COLOR};font-size:1px;line-height:1px">&nbsp;</td>'
            "</tr></table>"
            if width
            else ""
        )
        rows.append(
            f'<tr><td style="padding:2px 8px 2px 0;text-align:right;white-space:nowrap">'
            f"{escape(name)}</td>"
            f'<td style="padding:2px 0;width:{_BAR_MAX_PX}px">{bar}</td>'
            f'<td style="padding:2px 0 2px 6px;white-space:nowrap">{escape(label(value))}</td></tr>'
        )
    return (
        f'<table data-chart="{escape(title)}" role="img" aria-label="{escape(title)}" '
        f'style="{TABLE}"><caption style="text-align:left;font-weight:bold;padding:4px 0">'
        f"{escape(title)}</caption>{''.join(rows)}</table>"
    )
