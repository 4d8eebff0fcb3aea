"""Stage cycle time and stage-to-stage conversion (funnel and leakage).

The story (days from T0, now = day 30):
  b  lead 0 -> qualified 2 -> proposal 5 -> won 10          (skips negotiation)
  m  lead 0 -> qualified 1 -> proposal 3 -> negotiation 6
       -> proposal 8 (moved back) -> lost 10
  o  lead 0 -> qualified 4, still there                     (open)
  d  lead 2 -> won 22                                       (skips everything)
  c  lead 0 -> lost 4
"""

from __future__ import annotations

import pytest

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.conversion import stage_conversion
from pipeline_tui.reports.metrics.cycle import stage_cycle
from pipeline_tui.reports.metrics.lifecycle import Timelines
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import by_id, chain, day, deal, pipeline

NOW = day(30)


def story() -> tuple[Pipeline, Timelines]:
    records = [
        deal("b", "won", 0),
        deal("m", "lost", 0, lost_reason="price"),
        deal("o", "qualified", 0),
        deal("d", "won", 2),
        deal("c", "lost", 0, lost_reason="timing"),
    ]
    timelines = by_id(
        chain("b", ("lead", 0), ("qualified", 2), ("proposal", 5), ("won", 10)),
        chain(
            "m",
            ("lead", 0),
            ("qualified", 1),
            ("proposal", 3),
            ("negotiation", 6),
            ("proposal", 8),
            ("lost", 10),
        ),
        chain("o", ("lead", 0), ("qualified", 4)),
        chain("d", ("lead", 2), ("won", 22)),
        chain("c", ("lead", 0), ("lost", 4)),
    )
    return pipeline(records), timelines


def test_cycle_time_all_time() -> None:
    pipe, timelines = story()
    result = stage_cycle(pipe, timelines, Window(), NOW)
    # lead stays: b 2, m 1, o 4, d 20, c 4 -> sorted 1 2 4 4 20
    assert result["lead"] == {
        "count": 5,
        "median_days": 4,
        "mean_days": pytest.approx(31 / 5),
        "p90_days": 20,  # nearest rank ceil(0.9 * 5) = 5th value
        "open_count": 0,
    }
    # qualified: b 3, m 2 (o is still there: counted apart, not as a sample)
    assert result["qualified"]["count"] == 2
    assert result["qualified"]["median_days"] == 2.5
    assert result["qualified"]["open_count"] == 1
    # proposal: b 5; m moved back, so its two stays add up: 3 + 2 = 5 (one sample)
    assert result["proposal"]["count"] == 2
    assert result["proposal"]["median_days"] == 5
    assert result["negotiation"] == {
        "count": 1,
        "median_days": 2,
        "mean_days": 2,
        "p90_days": 2,
        "open_count": 0,
    }
    assert "won" not in result and "lost" not in result


def test_window_cutting_a_stay_counts_it_in_full_where_it_ended() -> None:
    pipe, timelines = story()
    result = stage_cycle(pipe, timelines, Window(day(3), day(30)), NOW)
    # qualified: b's stay 2 -> 5 began before the window but ended in it: all 3 days count;
    # m's stay 1 -> 3 ended exactly at the window's start (inclusive): 2 days
    assert result["qualified"]["count"] == 2
    assert result["qualified"]["mean_days"] == 2.5
    # lead stays that ended on or after day 3: o (4 days, left day 4), d (20), c (4)
    assert result["lead"]["count"] == 3
    assert result["lead"]["median_days"] == 4


def test_moved_back_stays_only_count_when_they_end_in_the_window() -> None:
    pipe, timelines = story()
    result = stage_cycle(pipe, timelines, Window(day(7), day(30)), NOW)
    # m's first proposal stay ended day 6 (outside); its second ended day 10: 2 days.
    # b's stay 5 -> 10 also ended in the window: 5 days. Median of 2 and 5.
    assert result["proposal"]["count"] == 2
    assert result["proposal"]["median_days"] == 3.5
    assert result["proposal"]["p90_days"] == 5


def test_no_history_gives_null_durations() -> None:
    pipe = pipeline([deal("x", "lead", 0)])
    result = stage_cycle(pipe, {}, Window(), NOW)
    assert result["lead"] == {
        "count": 0,
        "median_days": None,
        "mean_days": None,
        "p90_days": None,
        "open_count": 1,
    }


def test_conversion_funnel_with_skips_moves_back_and_losses() -> None:
    pipe, timelines = story()
    result = stage_conversion(pipe, timelines, Window(), NOW)
    # furthest stage: b won, m negotiation (lost), o qualified (open), d won, c lead (lost)
    assert result["lead"] == {"reached": 5, "advanced": 4, "lost": 1, "rate": 0.8}
    assert result["qualified"] == {"reached": 4, "advanced": 3, "lost": 0, "rate": 0.75}
    # b skipped negotiation and d skipped everything: skipping is passing, not leaking
    assert result["proposal"] == {"reached": 3, "advanced": 3, "lost": 0, "rate": 1.0}
    assert result["negotiation"] == {
        "reached": 3,
        "advanced": 2,
        "lost": 1,
        "rate": pytest.approx(2 / 3),
    }
    assert list(result) == ["lead", "qualified", "proposal", "negotiation"]


def test_conversion_follows_the_cohort_created_in_the_window() -> None:
    pipe, timelines = story()
    result = stage_conversion(pipe, timelines, Window(day(1), day(30)), NOW)
    # only d was created in the window
    assert result["lead"] == {"reached": 1, "advanced": 1, "lost": 0, "rate": 1.0}
    empty = stage_conversion(pipe, timelines, Window(day(40), day(50)), NOW)
    assert empty["lead"] == {"reached": 0, "advanced": 0, "lost": 0, "rate": None}
