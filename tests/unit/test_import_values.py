"""Cell parsing: the date spellings, amounts and probabilities real exports contain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pipeline_tui.dataio.importing.values import (
    parse_amount,
    parse_date,
    parse_datetime,
    parse_probability,
    parse_tags,
    slash_order,
)


@pytest.mark.parametrize(
    "text",
    ["2017-03-01", "3/1/2017", "03/01/2017", "1.3.2017", "2017/03/01", "1 Mar 2017",
     "Mar 1, 2017", "March 1, 2017", "01-Mar-2017", "2017-03-01T10:30:00", "3/1/17"],
)  # fmt: skip
def test_every_common_spelling_of_the_first_of_march(text: str) -> None:
    assert parse_date(text) == date(2017, 3, 1)


def test_a_day_above_twelve_makes_the_whole_column_day_first() -> None:
    column = ["1/3/2017", "13/3/2017", "2/4/2017"]
    order = slash_order(column)
    assert order == "dmy"
    assert [parse_date(v, order) for v in column] == [
        date(2017, 3, 1),
        date(2017, 3, 13),
        date(2017, 4, 2),
    ]
    assert slash_order(["1/3/2017", "2/4/2017"]) == "mdy"


def test_datetimes_keep_their_zone_and_naive_ones_are_utc() -> None:
    assert parse_datetime("2017-03-01") == datetime(2017, 3, 1, tzinfo=UTC)
    assert parse_datetime("2017-03-01 09:15") == datetime(2017, 3, 1, 9, 15, tzinfo=UTC)
    plus_two = timezone(timedelta(hours=2))
    assert parse_datetime("2017-03-01T09:15+02:00") == datetime(2017, 3, 1, 9, 15, tzinfo=plus_two)


@pytest.mark.parametrize("text", ["soon", "2017-13-01", "31/31/2017", "32.1.2017", ""])
def test_impossible_dates_are_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1054", 1054), ("1,054", 1054), ("1,054.50", 1054.5), ("$1,054", 1054), ("1 054 €", 1054),
     ("0", 0), ("12.5", 12.5), ("-0", 0)],
)  # fmt: skip
def test_amounts(text: str, expected: float) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["-5", "(200)", "-$1,000"])
def test_negative_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["lots", "12k", "1.2.3", "NaN", "inf"])
def test_non_numeric_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


def test_probability_and_tags() -> None:
    assert parse_probability("0.4") == pytest.approx(0.4)
    assert parse_probability("40%") == pytest.approx(0.4)
    assert parse_probability("40") == pytest.approx(0.4)
    with pytest.raises(ValueError):
        parse_probability("140%")
    assert parse_tags("a, b;c,,") == ["a", "b", "c"]
