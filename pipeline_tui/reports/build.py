"""Assembling a report: the JSON value of each requested section, rounded.

Pure: the caller loads the pipeline (now or as of a date) and the timelines
and passes them in, so the CLI, the TUI and tests assemble reports the same
way.  Which sections exist lives in :mod:`pipeline_tui.reports.sections`.
Rendering (tables, CSV, Markdown, charts, HTML) lives in
:mod:`pipeline_tui.reports.tables`, :mod:`pipeline_tui.reports.charts` and
:mod:`pipeline_tui.reports.html`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import UNASSIGNED, Timelines, deal_facts, shared_facts
from pipeline_tui.reports.metrics.window import Window
from pipeline_tui.reports.sections import NAMES, SECTIONS

#: ``metric(pipeline, timelines, window, now)``: the JSON value of one section.
Metric = Callable[[Pipeline, Timelines, Window, datetime], Any]

#: Decimal places kept in reports: enough for rates, no float noise like 0.30000000000000004.
DIGITS = 4


#: ``offload(names, compute)`` starts ``compute(name)`` for each name somewhere else
#: (a forked child) and returns the function that collects the values in order
#: (None from it: that failed, so they are computed here); None: not started.
Offload = Callable[[Sequence[str], Callable[[str], Any]], Callable[[], list[Any] | None] | None]

#: The sections an :data:`Offload` takes: together about half of a large report's
#: section time, and needing few of the facts the other sections share
#: (hygiene reads only the records), so little is computed twice.
OFFLOADED = ("hygiene", "activity", "first-contact")

#: From how many deals a report is worth splitting: below it the fork (and the
#: pages of the loaded pipeline both processes then copy as they touch them)
#: costs about as much as the sections it takes away (0.2 s at 10,000 deals).
OFFLOAD_FROM = 20_000


def build_report(
    pipeline: Pipeline,
    timelines: Timelines,
    window: Window,
    now: datetime,
    sections: Iterable[str] = NAMES,
    offload: Offload | None = None,
) -> dict[str, Any]:
    """One top-level key per requested section (by name), in report order.

    Only the metrics asked for are imported and run (see :mod:`.sections`);
    they share one set of per-deal facts (:func:`.lifecycle.shared_facts`).
    With ``offload``, a large report computes :data:`OFFLOADED` sections
    there while this process computes the others: the same values, on two
    cores (each section is a pure function of the same inputs).
    """
    wanted = [s for s in SECTIONS if s.name in set(sections)]
    values: dict[str, Any] = {}
    # imported here, before any fork: a child never imports (another thread may hold the lock)
    metrics: dict[str, Metric] = {s.name: s.metric() for s in wanted}
    with shared_facts():

        def compute(name: str) -> Any:
            return rounded(metrics[name](pipeline, timelines, window, now))

        away = [s.name for s in wanted if s.name in OFFLOADED]
        large = len(pipeline.opportunities) >= OFFLOAD_FROM
        collect = None
        # only with work left for this process too: else the child would only cost time
        if offload is not None and large and away and len(away) < len(wanted):
            # the stays cut at now, which both sides need, once: the child inherits them
            deal_facts(pipeline, timelines, now).histories  # noqa: B018
            collect = offload(away, compute)
        if collect is None:
            away = []
        for section in wanted:
            if section.name not in away:
                values[section.name] = compute(section.name)
        if collect is not None:
            found = collect()
            if found is None:  # the other process failed: compute its share here
                found = [compute(name) for name in away]
            values.update(zip(away, found, strict=True))
    return {section.key: values[section.name] for section in wanted}


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
    # plain values and finite floats inline (no call each): stale lists run to 100,000 rows
    if kind is dict or isinstance(value, Mapping):
        return {
            k: v
            if type(v) in _PLAIN
            else round(v, digits)
            if type(v) is float and v == v
            else rounded(v, digits)
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [
            v
            if type(v) in _PLAIN
            else round(v, digits)
            if type(v) is float and v == v
            else rounded(v, digits)
            for v in value
        ]
    return value


#: Values ``rounded`` passes through untouched (checked by exact type: fast on big reports).
_PLAIN = frozenset({int, str, bool, type(None)})
