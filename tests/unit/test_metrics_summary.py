"""Headline numbers, source conversion and the owner leaderboard.

The story (days from T0, now = day 30):
  a  alice  website  open in lead since day 0, 1000
  b  alice  website  lead 0 -> qualified 2 -> proposal 5 -> won 10, 3000
  c  bob    referral lead 0 -> lost 4 (price), 500
  d  王芳   (none)   created day 2 in lead -> won 22 (skipped every stage), no amount
"""

from __future__ import annotations

import pytest

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.leaderboard import leaderboard
from pipeline_tui.reports.metrics.lifecycle import Timelines
from pipeline_tui.reports.metrics.sources import source_conversion
from pipeline_tui.reports.metrics.summary import summary
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, day, deal, pipeline

NOW = day(30)


def story() -> tuple[Pipeline, Timelines]:
    records = [
        deal("a", "lead", 0, amount=1000, owner="alice", source="website"),
        deal("b", "won", 0, amount=3000, owner="alice", source="website"),
        deal("c", "lost", 0, amount=500, owner="bob", source="referral", lost_reason="price"),
        deal("d", "won", 2, owner="王芳"),
    ]
    timelines = by_id(
        chain("a", ("lead", 0)),
        chain("b", ("lead", 0), ("qualified", 2), ("proposal", 5), ("won", 10)),
        chain("c", ("lead", 0), ("lost", 4)),
        chain("d", ("lead", 2), ("won", 22)),
    )
    return pipeline(records), timelines


def test_summary_all_time() -> None:
    pipe, timelines = story()
    result = summary(pipe, timelines, Window(), NOW)
    # cycles: b created 0 won 10 -> 10 days; d created 2 won 22 -> 20 days; median 15
    # velocity = open (1) x win rate (2/3) x average won amount (3000, d has none) / 15
    assert result == {
        "open": 1,
        "open_amount": 1000,
        "won": 2,
        "won_amount": 3000,
        "lost": 1,
        "win_rate": pytest.approx(2 / 3),
        "avg_won_amount": 3000,
        "cycle_days_median": 15,
        "velocity_per_day": pytest.approx(1 * (2 / 3) * 3000 / 15),
    }


def test_summary_window_counts_deals_closed_in_it() -> None:
    pipe, timelines = story()
    result = summary(pipe, timelines, Window(day(5), day(30)), NOW)
    # c was lost on day 4, before the window: only the two wins count
    assert (result["won"], result["lost"], result["win_rate"]) == (2, 0, 1.0)


def test_no_closed_deals_gives_null_rates_not_a_crash() -> None:
    pipe = pipeline([deal("a", "lead", 0, amount=1000)])
    result = summary(pipe, {}, Window(), NOW)
    assert result["win_rate"] is None
    assert result["avg_won_amount"] is None
    assert result["cycle_days_median"] is None
    assert result["velocity_per_day"] is None
    assert result["open"] == 1


def test_source_conversion_all_time() -> None:
    pipe, timelines = story()
    result = source_conversion(pipe, timelines, Window(), NOW)
    assert result["website"] == {"created": 2, "won": 1, "lost": 0, "rate": 1.0}
    assert result["referral"] == {"created": 1, "won": 0, "lost": 1, "rate": 0.0}
    # configured but unused: listed, rate undefined
    assert result["event"] == {"created": 0, "won": 0, "lost": 0, "rate": None}
    assert result["(none)"] == {"created": 1, "won": 1, "lost": 0, "rate": 1.0}
    assert list(result)[:5] == ["website", "referral", "event", "outbound", "partner"]


def test_source_conversion_window_separates_created_and_closed() -> None:
    pipe, timelines = story()
    result = source_conversion(pipe, timelines, Window(day(1), day(30)), NOW)
    # b was created on day 0 (before the window) but won on day 10 (inside it)
    assert result["website"] == {"created": 0, "won": 1, "lost": 0, "rate": 1.0}
    assert result["(none)"]["created"] == 1  # d, created day 2


def test_leaderboard_ranks_by_won_amount_with_cjk_owner() -> None:
    pipe, timelines = story()
    result = leaderboard(pipe, timelines, Window(), NOW)
    assert result == [
        {"owner": "alice", "won_amount": 3000, "win_rate": 1.0, "open_amount": 1000},
        {"owner": "bob", "won_amount": 0, "win_rate": 0.0, "open_amount": 0},
        {"owner": "王芳", "won_amount": 0, "win_rate": 1.0, "open_amount": 0},
    ]


def test_leaderboard_owner_without_closed_deals_has_null_win_rate() -> None:
    pipe = pipeline([deal("a", "lead", 0, amount=10, owner="alice")])
    assert leaderboard(pipe, {}, Window(), NOW) == [
        {"owner": "alice", "won_amount": 0, "win_rate": None, "open_amount": 10}
    ]
