"""Owner leaderboard: won amount, win rate and open pipeline per owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts, owner_key
from pipeline_tui.reports.metrics.stats import ratio
from pipeline_tui.reports.metrics.window import Window


def leaderboard(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> list[dict[str, Any]]:
    """Every owner with a deal: won amount and win rate in the window, open amount now.

    Sorted by won amount, then open amount, largest first.
    """
    rows: dict[str, dict[str, Any]] = {}

    def row(owner: str) -> dict[str, Any]:
        found = rows.get(owner)
        if found is None:
            found = rows[owner] = {"won_amount": 0.0, "won": 0, "closed": 0, "open_amount": 0.0}
        return found

    facts = deal_facts(pipeline, timelines, now)
    open_names = facts.stages.open
    for record in facts.records:
        entry = row(owner_key(record))
        if record.stage in open_names:
            entry["open_amount"] += record.amount or 0.0
    for closed in facts.closed:
        if window.contains(closed.at):
            entry = row(owner_key(closed.record))
            entry["closed"] += 1
            if closed.won:
                entry["won"] += 1
                entry["won_amount"] += closed.record.amount or 0.0
    result = [
        {
            "owner": owner,
            "won_amount": r["won_amount"],
            "win_rate": ratio(r["won"], r["closed"]),
            "open_amount": r["open_amount"],
        }
        for owner, r in rows.items()
    ]
    result.sort(key=lambda r: (-r["won_amount"], -r["open_amount"], r["owner"]))
    return result
