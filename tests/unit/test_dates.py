"""Relative dates, typed in English or Chinese, the same in the CLI and the TUI's forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from pipeline_tui.core.dates import parse_date, parse_instant, relative_date, split_time

#: A Friday.
TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24", date(2026, 12, 24)),
        ("today", TODAY),
        ("Tomorrow", date(2026, 11, 21)),
        ("yesterday", date(2026, 11, 19)),
        ("+3d", date(2026, 11, 23)),
        ("+2w", date(2026, 12, 4)),
        ("-1d", date(2026, 11, 19)),
        ("+ 10 days", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 23)),
        ("2 weeks ago", date(2026, 11, 6)),
        ("monday", date(2026, 11, 23)),
        ("next monday", date(2026, 11, 23)),
        ("next  Fri", date(2026, 11, 27)),  # never today: the next one
        ("this wednesday", date(2026, 11, 18)),
        ("今天", TODAY),
        ("明天", date(2026, 11, 21)),
        ("后天", date(2026, 11, 22)),
        ("昨天", date(2026, 11, 19)),
        ("3天后", date(2026, 11, 23)),
        ("2周后", date(2026, 12, 4)),
        ("3 天前", date(2026, 11, 17)),
        ("下周一", date(2026, 11, 23)),
        ("下周三", date(2026, 11, 25)),  # next week's Wednesday, not the coming one
        ("周三", date(2026, 11, 25)),
        ("星期日", date(2026, 11, 22)),
        ("本周一", date(2026, 11, 16)),
        ("下下周一", date(2026, 11, 30)),
    ],
)
def test_relative_dates_in_both_languages(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "someday", "next", "mo", "+3x", "2026-13-01", "下周八"])
def test_what_is_no_date_says_what_would_do(text: str) -> None:
    assert relative_date(text, TODAY) is None
    with pytest.raises(ValueError, match=r"is not a date such as 2026-11-20, today, tomorrow"):
        parse_date(text, TODAY)


def test_a_trailing_time_is_split_off() -> None:
    assert split_time("tomorrow 14:30") == ("tomorrow", time(14, 30))
    assert split_time("明天 9:05") == ("明天", time(9, 5))
    assert split_time("+3d") == ("+3d", None)
    assert split_time("today 25:00") == ("today 25:00", None)


def test_instants_iso_or_relative_in_the_zone_of_now() -> None:
    east = timezone(timedelta(hours=8))
    now = datetime(2026, 11, 20, 16, 45, 12, tzinfo=east)
    assert parse_instant("yesterday 15:30", now) == datetime(2026, 11, 19, 15, 30, tzinfo=east)
    assert parse_instant("昨天", now) == datetime(2026, 11, 19, 16, 45, 12, tzinfo=east)
    assert parse_instant("10:00", now) == datetime(2026, 11, 20, 10, 0, tzinfo=east)
    assert parse_instant("2026-11-02T08:00:00+00:00", now) == datetime(2026, 11, 2, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an ISO date or datetime"):
        parse_instant("the day before", now)
