"""Indicator 4, profile completeness: how much of the customer profile is filled in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Opportunity, Pipeline, get_dotted, is_filled
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts, owner_key
from pipeline_tui.reports.metrics.stats import mean
from pipeline_tui.reports.metrics.window import Window


def profile_completeness(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """Mean share of configured profile fields filled, over deals created in the window.

    Every deal (open or closed) counts; ``by_owner`` averages each owner's
    deals.  None when no profile fields are configured or no deal qualifies.
    """
    fields = pipeline.config.profile_fields
    scores: list[float] = []
    by_owner: dict[str, list[float]] = {}
    records = pipeline.opportunities
    for i in deal_facts(pipeline, timelines, now).created_in(window):
        record = records[i]
        score = record_completeness(record, fields)
        if score is None:
            continue
        scores.append(score)
        by_owner.setdefault(owner_key(record), []).append(score)
    return {
        "mean": mean(scores),
        "by_owner": {owner: mean(values) for owner, values in sorted(by_owner.items())},
    }


def record_completeness(record: Opportunity, fields: Sequence[str]) -> float | None:
    """Filled ÷ configured for one deal; a field is looked up under ``profile:`` first,
    then at the top level (so ``amount`` or ``contact.email`` may be profile fields too)."""
    if not fields:
        return None
    profile, data = record.profile, record.data
    filled = 0
    for name in fields:
        filled += _filled(profile, name) or _filled(data, name)
    return filled / len(fields)


def _filled(values: Mapping[str, Any], name: str) -> bool:
    """Whether ``values`` has ``name`` (a dotted path) filled in."""
    if "." in name:
        return is_filled(get_dotted(values, name))
    value = values.get(name)
    if value is None:  # the common case of a gap: no call
        return False
    return len(value) > 0 if type(value) is str else is_filled(value)
