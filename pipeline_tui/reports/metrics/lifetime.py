"""Customer lifetime value: what each account has bought from us, in total."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.reports.metrics.lifecycle import (
    UNASSIGNED,
    DealFacts,
    Timelines,
    account_key,
    deal_facts,
)
from pipeline_tui.reports.metrics.stats import mean, median
from pipeline_tui.reports.metrics.window import Window


def lifetime_value(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """Per account, the sum of its won amounts to date (METRICS.md): up to the window's end.

    Lifetime means all wins before the end of the window (or ``now``), not
    only those inside it, so the window's start does not apply.
    The mean and median are over accounts with at least one win; ``by_source``
    groups accounts by the source of their first deal (the earliest created,
    whatever its outcome), since that is the channel that brought the
    customer.  Accounts match by name, ignoring case and spacing.
    """
    end = window.end(now)
    won: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    facts = deal_facts(pipeline, timelines, now)
    for closed in facts.closed:
        if closed.won and closed.at <= end:
            key = account_key(closed.record.account)
            won[key] += closed.record.amount or 0.0
            names.setdefault(key, closed.record.account)
    first = _first_deals(facts, end)
    values = list(won.values())
    by_source: dict[str, list[float]] = defaultdict(list)
    for key, value in won.items():
        source = first[key].source if key in first else None
        by_source[source or UNASSIGNED].append(value)
    return {
        "accounts": len(won),
        "mean": mean(values),
        "median": median(values),
        "by_account": sorted(
            ({"account": names[k], "value": v} for k, v in won.items()),
            key=lambda row: (-row["value"], row["account"]),
        ),
        "by_source": [
            {"source": source, "accounts": len(group), "mean": mean(group), "median": median(group)}
            for source, group in sorted(by_source.items())
        ],
    }


def _first_deals(facts: DealFacts, now: datetime) -> dict[str, Opportunity]:
    first: dict[str, Opportunity] = {}
    for record, key in zip(facts.records, facts.account_keys, strict=True):
        if record.created > now:
            continue
        found = first.get(key)
        if found is None or record.created < found.created:
            first[key] = record
    return first
