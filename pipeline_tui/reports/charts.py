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

from pipeline_tui.i18n import _
from pipeline_tui.reports.sections import SECTIONS

#: (title, labels, values, horizontal): one bar chart.
ChartSeries = tuple[str, list[str], list[float], bool]


def chart_series(report: Mapping[str, Any]) -> list[ChartSeries]:
    """Every chart the report has data for, in report order (sections with a ``chart``)."""
    series: list[ChartSeries] = []
    for section in SECTIONS:
        draw = section.chart_series()
        value = report.get(section.key)
        if draw is not None and value:
            series += draw(value)
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
    plt.title(title)
    plt.plotsize(width, max(8, 3 * len(labels) + 4) if horizontal else 16)
    plt.theme("clear")
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))
