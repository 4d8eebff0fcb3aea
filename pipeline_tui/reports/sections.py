"""The report's sections, one row each: everything else about a section is derived from here.

A section's command-line name (``first-contact``), JSON key
(``first_contact``), heading, metric, table builder, optional chart and the
TUI pane it appears in are written once, below.  ``pipeline report``'s
choices and help, the report's key order, the table titles, the charts and
the metrics screen's panes all read these rows, so adding a section is its
metric module plus one :class:`Section` row.

Cheap to import: the functions are named as ``"module:function"`` strings
and imported on first use, so ``pipeline`` start-up (which needs the names
for ``--help`` and argument checking) never imports a metric.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline_tui.i18n import N_

_METRICS = "pipeline_tui.reports.metrics."
_TABLES = "pipeline_tui.reports.tables:"
_CHARTS = "pipeline_tui.reports.charts:"


@dataclass(frozen=True, slots=True)
class Pane:
    """One tab of the TUI metrics screen; its sections are those naming its ``id``."""

    id: str
    title: str  # gettext msgid


@dataclass(frozen=True, slots=True)
class Section:
    """One report section.

    ``compute`` is ``metric(pipeline, timelines, window, now) -> JSON value``;
    ``tables`` is ``builder(key, value) -> list[SectionTable]``; ``chart``, when
    set, is ``series(value) -> list[ChartSeries]`` (drawn by ``--chart``, the
    HTML page and the TUI pane).
    """

    name: str  # as typed on the command line
    title: str  # gettext msgid of the heading
    compute: str
    tables: str
    pane: str
    chart: str | None = None

    @property
    def key(self) -> str:
        """The section's key in JSON (``first-contact`` -> ``first_contact``)."""
        return self.name.replace("-", "_")

    def metric(self) -> Callable[..., Any]:
        return resolve(self.compute)

    def table_builder(self) -> Callable[..., Any]:
        return resolve(self.tables)

    def chart_series(self) -> Callable[..., Any] | None:
        return None if self.chart is None else resolve(self.chart)


#: The metrics screen's tabs, left to right.
PANES: tuple[Pane, ...] = (
    Pane("summary", N_("Summary")),
    Pane("funnel", N_("Stage conversion")),
    Pane("cycle", N_("Stage cycle time")),
    Pane("forecast", N_("Weighted forecast")),
    Pane("sources", N_("Source conversion rate")),
    Pane("lost", N_("Lost-reason analysis")),
    Pane("team", N_("Team activity")),
    Pane("stale", N_("Stale opportunities")),
    Pane("customers", N_("Profile completeness")),
    Pane("hygiene", N_("Data hygiene")),
)

#: Every section, in report order (the order of ``pipeline report``'s output and JSON keys).
SECTIONS: tuple[Section, ...] = (
    Section(
        "summary",
        N_("Summary"),
        _METRICS + "summary:summary",
        _TABLES + "summary_tables",
        pane="summary",
    ),
    Section(
        "sources",
        N_("Source conversion rate"),
        _METRICS + "sources:source_conversion",
        _TABLES + "sources_tables",
        pane="sources",
    ),
    Section(
        "first-contact",
        N_("First follow-up timeliness"),
        _METRICS + "first_contact:first_contact",
        _TABLES + "first_contact_tables",
        pane="sources",
    ),
    Section(
        "stages",
        N_("Stage cycle time"),
        _METRICS + "cycle:stage_cycle",
        _TABLES + "stages_tables",
        pane="cycle",
        chart=_CHARTS + "cycle_series",
    ),
    Section(
        "conversion",
        N_("Stage conversion"),
        _METRICS + "conversion:stage_conversion",
        _TABLES + "conversion_tables",
        pane="funnel",
        chart=_CHARTS + "funnel_series",
    ),
    Section(
        "completeness",
        N_("Profile completeness"),
        _METRICS + "completeness:profile_completeness",
        _TABLES + "completeness_tables",
        pane="customers",
    ),
    Section(
        "lost",
        N_("Lost-reason analysis"),
        _METRICS + "lost:lost_reasons",
        _TABLES + "lost_tables",
        pane="lost",
    ),
    Section(
        "repeat",
        N_("Repeat / renewal rate"),
        _METRICS + "repeat:repeat_rate",
        _TABLES + "repeat_tables",
        pane="customers",
    ),
    Section(
        "activity",
        N_("Team activity"),
        _METRICS + "activity:team_activity",
        _TABLES + "activity_tables",
        pane="team",
    ),
    Section(
        "forecast",
        N_("Weighted forecast"),
        _METRICS + "forecast:weighted_forecast",
        _TABLES + "weighted_forecast_tables",
        pane="forecast",
        chart=_CHARTS + "forecast_series",
    ),
    Section(
        "stale",
        N_("Stale opportunities"),
        _METRICS + "stale:stale_items",
        _TABLES + "stale_tables",
        pane="stale",
    ),
    Section(
        "leaderboard",
        N_("Leaderboard"),
        _METRICS + "leaderboard:leaderboard",
        _TABLES + "leaderboard_tables",
        pane="summary",
    ),
    Section(
        "hygiene",
        N_("Data hygiene"),
        _METRICS + "hygiene:hygiene",
        _TABLES + "hygiene_tables",
        pane="hygiene",
    ),
)

#: Section names as typed on the command line, in report order.
NAMES: tuple[str, ...] = tuple(s.name for s in SECTIONS)
#: JSON key -> section.
BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}
#: Sections drawn as charts: computed for ``--chart``/``--html`` even when not asked for.
CHART_NAMES: tuple[str, ...] = tuple(s.name for s in SECTIONS if s.chart)


def by_key(key: str) -> Section:
    """The section whose JSON key (or command-line name) is ``key``."""
    return BY_KEY[key.replace("-", "_")]


def pane_sections(pane: Pane) -> tuple[Section, ...]:
    """The sections a metrics pane shows, in report order."""
    return tuple(s for s in SECTIONS if s.pane == pane.id)


@cache
def resolve(ref: str) -> Callable[..., Any]:
    """The function a ``"package.module:function"`` string names, imported on first use."""
    module, _, name = ref.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function
