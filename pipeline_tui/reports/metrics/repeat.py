"""Indicator 6, repeat / renewal rate: how many customers buy again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import Timelines, account_key, deal_facts
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window

#: Tags that mark a won deal as a renewal or repeat purchase by itself.
RENEWAL_TAGS = frozenset({"renewal", "repeat", "续签", "复购"})


def repeat_rate(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """Of the accounts that won a deal in the window, the share that are repeat customers.

    An account is a repeat customer when it has two or more won deals up to
    the end of the window (earlier ones count) or one of its wins in the
    window is tagged as a renewal.  Accounts match by name, ignoring case and
    spacing.  With no window this is the all-time rate in docs/metrics.md.
    """
    wins: dict[str, int] = {}
    in_window: set[str] = set()
    renewed: set[str] = set()
    for closed in deal_facts(pipeline, timelines, now).closed:
        if not closed.won or (window.until is not None and closed.at >= window.until):
            continue
        account = account_key(closed.record.account)
        wins[account] = wins.get(account, 0) + 1
        if window.contains(closed.at):
            in_window.add(account)
            if RENEWAL_TAGS.intersection(t.casefold() for t in closed.record.tags):
                renewed.add(account)
    repeat = {a for a in in_window if wins[a] >= 2 or a in renewed}
    return {
        "accounts_won": len(in_window),
        "accounts_repeat": len(repeat),
        "rate": ratio(len(repeat), len(in_window)),
    }


__all__ = ["RENEWAL_TAGS", "account_key", "repeat_rate"]
