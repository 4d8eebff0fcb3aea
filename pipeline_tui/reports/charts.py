"""Terminal charts for ``pipeline report --chart``: funnel, forecast by month, time in stage.

Drawn with plotext from the report's JSON value, so charts and tables can
never disagree.  Each chart is built to a string; colour is dropped when the
caller asks (NO_COLOR, output not a terminal).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotext as plt

from pipeline_tui.core.money import compact_number
from pipeline_tui.i18n import _, current_language
from pipeline_tui.reports.sections import SECTIONS

#: (title, labels, values, horizontal): one bar chart.
ChartSeries = tuple[str, list[str], list[float], bool]


#: Sections whose charts show amounts: the HTML page labels their bars with the currency.
MONEY_CHARTS = frozenset({"forecast"})


def chart_series(report: Mapping[str, Any]) -> list[ChartSeries]:
    """Every chart the report has data for, in report order (sections with a ``chart``)."""
    return [series for _key, series in keyed_chart_series(report)]


def keyed_chart_series(report: Mapping[str, Any]) -> list[tuple[str, ChartSeries]]:
    """:func:`chart_series` with the key of the section each chart belongs to."""
    series: list[tuple[str, ChartSeries]] = []
    for section in SECTIONS:
        draw = section.chart_series()
        value = report.get(section.key)
        if draw is not None and value:
            series += [(section.key, one) for one in draw(value)]
    return series


def funnel_series(conversion: Mapping[str, Any]) -> list[ChartSeries]:
    """How many deals reached each stage, top-down."""
    reached = [float(v["reached"]) for v in conversion.values()]
    return [(_("Funnel"), list(conversion), reached, True)]


def forecast_series(forecast: Mapping[str, Any]) -> list[ChartSeries]:
    """Weighted amount expected to close, per month."""
    weighted = [float(v["weighted"]) for v in forecast.values()]
    return [(_("Weighted forecast"), list(forecast), weighted, False)]


def cycle_series(stages: Mapping[str, Any]) -> list[ChartSeries]:
    """Median days spent in each stage."""
    title = _("Stage cycle time") + " (" + _("Median days") + ")"
    medians = [float(v["median_days"] or 0.0) for v in stages.values()]
    return [(title, list(stages), medians, True)]


def amount_ticks(values: Sequence[float]) -> tuple[list[float], list[str]] | None:
    """Axis ticks labelled ``12.5万`` for amounts under zh_CN (None: keep plotext's own).

    plotext labels large numbers as ``1.2e+06``; a Chinese reader wants 万/亿.
    Only amounts are that large (counts and day medians stay below 10,000).
    """
    top = max(values, default=0.0)
    if current_language() != "zh_CN" or top < 10_000:
        return None
    step = top / 4
    ticks = [step * i for i in range(5)]
    return ticks, [compact_number(t) for t in ticks]


def terminal_charts(report: Mapping[str, Any], width: int = 80, color: bool = True) -> str:
    charts = [
        _bar_chart(title, labels, values, horizontal, width, color)
        for title, labels, values, horizontal in chart_series(report)
    ]
    return "\n\n".join(charts) if charts else _("(no data to chart)")


def _bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    horizontal: bool,
    width: int,
    color: bool,
) -> str:
    plt.clear_figure()
    if horizontal:  # plotext draws the first bar at the bottom; funnels read top-down
        labels, values = list(labels)[::-1], list(values)[::-1]
    plt.bar(list(labels), list(values), orientation="horizontal" if horizontal else "vertical")
    if values and all(float(v).is_integer() for v in values):  # counts: whole-number ticks
        step = max(1, math.ceil(max(values) / 5))
        ticks = list(range(0, int(max(values)) + step, step))
        (plt.xticks if horizontal else plt.yticks)(ticks)
    elif (amounts := amount_ticks(values)) is not None:
        (plt.xticks if horizontal else plt.yticks)(*amounts)
    plt.title(title)
    plt.plotsize(width, max(8, 3 * len(labels) + 4) if horizontal else 16)
    plt.theme("clear")
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))
