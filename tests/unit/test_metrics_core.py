"""Statistics, windows and the per-deal lifecycle answers every metric builds on."""

from __future__ import annotations

from dataclasses import replace

from pipeline_tui.reports.metrics.lifecycle import (
    Stages,
    clip,
    closed_at,
    furthest_open_index,
    lost_from,
    stays,
)
from pipeline_tui.reports.metrics.stats import mean, median, percentile, ratio
from pipeline_tui.reports.metrics.window import Window
from tests.metricdata import chain, config, day, deal


def test_ratio_is_none_when_nothing_to_divide_by() -> None:
    assert ratio(0, 0) is None
    assert ratio(1, 4) == 0.25


def test_median_mean_and_nearest_rank_p90() -> None:
    assert median([]) is None and mean([]) is None and percentile([], 0.9) is None
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert mean([1, 2, 6]) == 3
    # ten samples: the 9th smallest (ceil(0.9*10) = 9) is the p90
    assert percentile(list(range(1, 11)), 0.9) == 9
    # one sample is its own p90
    assert percentile([7.5], 0.9) == 7.5


def test_window_is_half_open() -> None:
    window = Window(day(1), day(3))
    assert window.contains(day(1))
    assert window.contains(day(2.99))
    assert not window.contains(day(3))
    assert not window.contains(day(0.5))
    assert Window().contains(day(-1000))
    assert not window.contains(None)


def test_clip_forgets_what_happened_after_now() -> None:
    history = chain("a", ("lead", 0), ("qualified", 5), ("proposal", 10)).stages
    clipped = clip(history, day(7))
    assert [s.stage for s in clipped] == ["lead", "qualified"]
    assert clipped[-1].left is None  # still in qualified at day 7
    assert clip(history, day(20)) is history


def test_stays_without_history_start_at_created() -> None:
    record = deal("x", "proposal", created=3)
    (only,) = stays(record, {}, day(10))
    assert only.stage == "proposal" and only.entered == day(3) and only.left is None


def test_closed_at_is_when_the_terminal_stage_was_entered() -> None:
    cfg = Stages.of(config())
    record = deal("a", "won")
    history = chain("a", ("lead", 0), ("won", 4)).stages
    assert closed_at(record, history, cfg) == day(4)
    assert closed_at(deal("b", "lead"), chain("b", ("lead", 0)).stages, cfg) is None


def test_furthest_stage_treats_skips_as_passed_and_won_as_the_end() -> None:
    cfg = Stages.of(config())
    skipped = chain("s", ("lead", 0), ("proposal", 2)).stages
    assert furthest_open_index(deal("s", "proposal"), skipped, cfg) == 2
    back = chain("b", ("lead", 0), ("negotiation", 1), ("proposal", 2)).stages
    assert furthest_open_index(deal("b", "proposal"), back, cfg) == 3
    won = chain("w", ("lead", 0), ("won", 1)).stages
    assert furthest_open_index(deal("w", "won"), won, cfg) == 4
    straight_lost = chain("l", ("lost", 0)).stages
    assert furthest_open_index(deal("l", "lost", lost_reason="price"), straight_lost, cfg) == -1


def test_lost_from_is_the_stage_just_before_lost() -> None:
    cfg = Stages.of(config())
    history = chain("m", ("lead", 0), ("negotiation", 1), ("proposal", 2), ("lost", 3)).stages
    assert lost_from(history, cfg) == "proposal"
    assert lost_from(chain("x", ("lost", 0)).stages, cfg) == "(none)"


def test_uncommitted_stay_is_kept() -> None:
    history = chain("u", ("lead", 0), ("qualified", 2)).stages
    pending = (*history[:-1], replace(history[-1], uncommitted=True, commit=None))
    assert clip(pending, day(5))[-1].uncommitted
