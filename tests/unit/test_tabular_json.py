"""``indented_json`` writes exactly what ``json.dumps(..., indent=2)`` writes, only faster."""

from __future__ import annotations

import enum
import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.tabular import _json_default, indented_json, to_json


class Color(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def reference(data: Any) -> str:
    """What ``to_json`` wrote before it had its own encoder."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # any code point, controls and quotes included
    st.sampled_from([Color.RED, Level.HIGH]),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])),
)
keys = st.one_of(
    st.text(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(keys, inner, max_size=5),
        st.dictionaries(st.text(), inner, max_size=3).map(MappingProxyType),
        st.frozensets(st.integers(), max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_json_dumps(data: Any) -> None:
    assert indented_json(data) == reference(data)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_fail_as_json_dumps_does(bad: float) -> None:
    for data in (bad, [1, bad], {"a": bad}, {bad: 1}):
        with pytest.raises(ValueError, match="Out of range float"):
            reference(data)
        with pytest.raises(ValueError, match="Out of range float"):
            indented_json(data)


def test_non_finite_numbers_are_written_as_null() -> None:
    assert json.loads(to_json({"rate": math.nan, "rows": [math.inf, 1.5]})) == {
        "rate": None,
        "rows": [None, 1.5],
    }


def test_keys_that_json_cannot_name_are_refused() -> None:
    for encode in (reference, indented_json):
        with pytest.raises(TypeError, match="keys must be str, int, float, bool or None"):
            encode({(1, 2): "pair"})


def test_a_report_shaped_value() -> None:
    rows = [
        {
            "id": f"deal-{n}",
            "owner": None,
            "days": n / 7,
            "open": n % 2 == 0,
            "at": date(2026, 1, 1),
        }
        for n in range(50)
    ]
    data = {"stale": rows, "empty": {}, "none": [], "when": datetime(2026, 1, 1, tzinfo=UTC)}
    assert indented_json(data) == reference(data)
