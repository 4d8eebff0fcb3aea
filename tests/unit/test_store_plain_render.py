"""The fast writer for imported records reads back exactly what it was given."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.core.model import jsonable
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.plain import render_plain_fields
from pipeline_tui.yaml.read import parse_fast, top_level_scalar

SCALARS = st.one_of(
    st.text(max_size=30),
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)
KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
VALUES = st.one_of(
    SCALARS,
    st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), SCALARS, max_size=3),
    st.lists(st.text(max_size=8), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_plain_render_reads_back_identically(fields: dict[str, Any]) -> None:
    text = render_plain_fields(fields)
    if text is not None:
        assert jsonable(parse_fast(text)) == jsonable(fields)


def test_typical_imported_record_matches_the_round_trip_dumper() -> None:
    fields = {
        "id": "acme-gtx-pro-1c1i7a6r",
        "title": "Acme - GTX Pro",
        "account": "2017",  # would read back as a number unless quoted
        "stage": "won",
        "amount": 1054,
        "created": datetime(2016, 10, 20, tzinfo=UTC),
        "contact": {"email": "jane@acme.example"},
        "tags": ["a", "b"],
        "external_id": "00123",
        "closed": date(2017, 3, 1),
        "note": "it's: tricky # really",
    }
    fast = render_plain_fields(fields)
    assert fast is not None
    assert fast == Store(Path()).render_new(fields)


def test_top_level_scalar_reads_one_line_values_without_a_full_parse() -> None:
    text = "id: a\nexternal_id: '00123'   # from the CRM\ncontact: {external_id: no}\nn: 5\n"
    assert top_level_scalar(text, "external_id") == "00123"
    assert top_level_scalar(text, "n") == 5
    assert top_level_scalar(text, "missing") is None
    assert top_level_scalar("notes: |\n  x\n", "notes") is None
