"""Assembling a report: which sections exist, what each is called, and its JSON value.

Pure: the caller loads the pipeline (now or as of a date) and the timelines
and passes them in, so the CLI, the TUI and tests assemble reports the same
way.  Rendering (tables, CSV, Markdown, charts, HTML) lives in
:mod:`pipeline_tui.reports.tables`, :mod:`pipeline_tui.reports.charts` and
:mod:`pipeline_tui.reports.html`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.activity import team_activity
from pipeline_tui.reports.metrics.completeness import profile_completeness
from pipeline_tui.reports.metrics.conversion import stage_conversion
from pipeline_tui.reports.metrics.cycle import stage_cycle
from pipeline_tui.reports.metrics.first_contact import first_contact
from pipeline_tui.reports.metrics.forecast import weighted_forecast
from pipeline_tui.reports.metrics.hygiene import hygiene
from pipeline_tui.reports.metrics.leaderboard import leaderboard
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED, Timelines
from pipeline_tui.reports.metrics.lost import lost_reasons
from pipeline_tui.reports.metrics.repeat import repeat_rate
from pipeline_tui.reports.metrics.sources import source_conversion
from pipeline_tui.reports.metrics.stale import stale_items
from pipeline_tui.reports.metrics.summary import summary
from pipeline_tui.reports.metrics.window import Window

Metric = Callable[[Pipeline, Timelines, Window, datetime], Any]

#: Section name (as typed on the command line) -> the metric that computes it, in report order.
SECTIONS: dict[str, Metric] = {
    "summary": summary,
    "sources": source_conversion,
    "first-contact": first_contact,
    "stages": stage_cycle,
    "conversion": stage_conversion,
    "completeness": profile_completeness,
    "lost": lost_reasons,
    "repeat": repeat_rate,
    "activity": team_activity,
    "forecast": weighted_forecast,
    "stale": stale_items,
    "leaderboard": leaderboard,
    "hygiene": hygiene,
}

#: English headings (gettext msgids; zh_CN in pipeline_tui/locale).
TITLES: dict[str, str] = {
    "summary": "Summary",
    "sources": "Source conversion rate",
    "first_contact": "First follow-up timeliness",
    "stages": "Stage cycle time",
    "conversion": "Stage conversion",
    "completeness": "Profile completeness",
    "lost": "Lost-reason analysis",
    "repeat": "Repeat / renewal rate",
    "activity": "Team activity",
    "forecast": "Weighted forecast",
    "stale": "Stale opportunities",
    "leaderboard": "Leaderboard",
    "hygiene": "Data hygiene",
}

#: Sections the charts are drawn from; computed for --chart/--html even when not asked for.
CHART_SECTIONS = ("conversion", "forecast", "stages")

#: Decimal places kept in reports: enough for rates, no float noise like 0.30000000000000004.
DIGITS = 4


def json_key(section: str) -> str:
    """``first-contact`` on the command line is ``first_contact`` in JSON."""
    return section.replace("-", "_")


def build_report(
    pipeline: Pipeline,
    timelines: Timelines,
    window: Window,
    now: datetime,
    sections: Iterable[str] = SECTIONS,
) -> dict[str, Any]:
    """One top-level key per requested section, in the canonical order."""
    wanted = set(sections)
    return {
        json_key(name): rounded(metric(pipeline, timelines, window, now))
        for name, metric in SECTIONS.items()
        if name in wanted
    }


def scoped(pipeline: Pipeline, owner: str | None = None, source: str | None = None) -> Pipeline:
    """Only the deals of one owner and/or one source (``(none)`` selects unset ones)."""
    if owner is None and source is None:
        return pipeline

    def keep(value: str | None, wanted: str | None) -> bool:
        return wanted is None or (value or UNASSIGNED) == wanted

    records = tuple(
        r for r in pipeline.opportunities if keep(r.owner, owner) and keep(r.source, source)
    )
    return replace(pipeline, opportunities=records)


def rounded(value: Any, digits: int = DIGITS) -> Any:
    """A copy with every float rounded (whole floats stay floats), NaN as None."""
    kind = type(value)
    if kind is float:
        return None if math.isnan(value) else round(value, digits)
    if kind is dict or isinstance(value, Mapping):
        return {k: v if type(v) in _PLAIN else rounded(v, digits) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else rounded(v, digits) for v in value]
    return value


#: Values ``rounded`` passes through untouched (checked by exact type: fast on big reports).
_PLAIN = frozenset({int, str, bool, type(None)})
