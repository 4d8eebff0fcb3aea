"""``list --json`` counts days on microseconds: the very floats ``stay_days`` gives.

And the history keeps current stays as plain marks that give the very intervals back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from pipeline_tui.cli.listing import days_between, stage_order
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.timeline import StageInterval, interval_of, mark_of, micros, stay_days

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
)
MOMENTS = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    ZONES,
)


@given(MOMENTS, st.none() | MOMENTS, MOMENTS)
def test_days_between_is_stay_days(entered: datetime, left: datetime | None, now: datetime) -> None:
    expected = stay_days(entered, left, now)
    got = days_between(micros(entered), micros(left) if left is not None else None, micros(now))
    assert repr(got) == repr(expected)


@given(st.lists(st.tuples(st.integers(0, 12), st.text()), max_size=30))
def test_the_rows_sort_string_orders_as_the_tuple_does(keys: list[tuple[int, str]]) -> None:
    """Rows keep ``f"{place:06d}\\0{title}"``; it must sort exactly as (place, title)."""
    as_text = sorted(keys, key=lambda k: f"{k[0]:06d}\0{k[1]}")
    assert as_text == sorted(keys)


def test_stage_order_puts_unknown_stages_last() -> None:
    config = PipelineConfig.from_mapping({"stages": [{"name": "lead"}, {"name": "won"}]})
    order = stage_order(config)
    assert order("won", "a") < order("nowhere", "a") and order("lead", "z") < order("won", "a")


@given(MOMENTS, st.none() | MOMENTS, st.none() | st.text(), st.none() | st.text())
def test_a_stay_mark_gives_the_very_interval_back(
    entered: datetime, left: datetime | None, commit: str | None, author: str | None
) -> None:
    stay = StageInterval("qualified", entered, left, commit, author)

    mark = mark_of(stay)
    back = interval_of(mark)

    assert back == stay
    assert back.entered.isoformat() == entered.isoformat() == mark[1]
    assert back.entered.utcoffset() == entered.utcoffset()
    assert (mark[2], mark[4]) == (micros(entered), micros(left) if left is not None else None)
    assert repr(back.days(entered)) == repr(stay.days(entered))
