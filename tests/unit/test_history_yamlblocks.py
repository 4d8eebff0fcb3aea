"""The block-wise reader gives exactly what the YAML parser gives, or a full parse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.blocks import Unsplittable, parse_fields, split_blocks, split_lines
from pipeline_tui.yaml.read import parse_fast

TRICKY = [
    "id: a\nstage: lead\n",
    "id: a  # the id\nstage: 'lead'\namount: 12_000\n",
    'title: "Colon: inside"\nnotes: |\n  line one\n\n  line three: with colon\nstage: won\n',
    "contact:\n  name: Jane\n  email: j@x.example\nprofile: {industry: retail, size: 10}\n",
    "activities:\n- {at: 2026-01-02T03:04:05+00:00, kind: call}\n- {at: 2026-01-03, kind: note}\n",
    "activities:\n  - at: 2026-01-02T03:04:05+00:00\n    kind: call\n"
    "  - {kind: note, at: 2026-01-03}\n",
    "tags: [a, b, 'c, d']\nprobability: .5\nflag: yes\nnothing: ~\nempty:\n",
    "# leading comment\n\nid: a\n\n\nstage: lead   \n# trailing comment\n",
    "base: &b {x: 1}\nother: *b\n",
    "---\nid: a\n",
    "id: a\nid: b\n",
    "id: [unclosed\n",
    "- just\n- a list\n",
    "title: >\n  folded\n  text\nstage: lead\n",
    'title: "two\n  lines"\nstage: lead\n',
    "计划: 中文值\nstage: 赢单\n",
    "nbsp: \xa0\nafter: x\xa0\nitems:\n- \xa0\n",  # U+00A0 is content, not YAML space
    "created: 2026-01-02\nexpected_close: 2026-02-03T10:00:00Z\nnum: 0x1F\n",
]


def full(text: str) -> dict[str, Any] | None:
    try:
        data = parse_fast(text)
    except Exception:
        return None
    return dict(data) if isinstance(data, dict) else None


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_files_read_like_the_parser(text: str) -> None:
    assert parse_fields(text) == full(text)


scalars = st.one_of(
    st.text(min_size=0, max_size=30),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
)
keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(keys, scalars, max_size=3),
    st.lists(st.dictionaries(keys, scalars, min_size=1, max_size=3), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6))
def test_files_the_store_writes_read_like_the_parser(fields: dict[str, Any]) -> None:
    text = Store(Path()).render_new(fields)
    assert parse_fields(text) == full(text)


_LINES = st.sampled_from(
    [
        "id: a",
        "stage: lead",
        "stage: won  # moved",
        "title: 'x: y'",
        "notes: |",
        "  text",
        "  - item",
        "- item",
        "-",
        "-x: 1",
        "  # indented comment",
        "# comment",
        "",
        "   ",
        "\t tab",
        "bad line",
        "key:value",
        "id: b",
        "计划: 中文",
        "\ufeffbom: 1",
        "x: &a 1",
        "...",
        "a: 1\r",
        "b: 2\x85c: 3",
        "d: \u2028e: 4",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINES, max_size=12), st.booleans())
def test_the_fast_split_agrees_with_the_line_loop(lines: list[str], final_newline: bool) -> None:
    """split_blocks (regex scan) and split_lines (plain loop) split every text alike."""
    text = "\n".join(lines) + ("\n" if final_newline else "")
    outcomes: list[dict[str, str] | None] = []
    for split in (split_blocks, split_lines):
        try:
            outcomes.append(split(text))
        except Unsplittable:
            outcomes.append(None)
    assert outcomes[0] == outcomes[1]


def _outcome(text: str, key: int | str) -> tuple[str, Any, type] | None:
    """What the parser makes of ``text`` at ``key`` (value and its type), None when it refuses."""
    try:
        value = parse_fast(text)[key]
    except Exception:
        return None
    return ("ok", value, type(value))


_ATOM_TEXT = [
    "a",
    "1",
    "0",
    "2026-01-02",
    "2026-09-04T11:25:01+00:00",
    "12:30",
    "1:2",
    "null",
    "~",
    "yes",
    "No",
    "0o7",
    "0x1f",
    "1e3",
    ".inf",
    "é",
    "中",
    ".",
    "-",
    "+1",
    "1_000",
    "010",
    "1.5",
    "true",
    "a-b",
    "=",
    "<<",
    "/",
    "(x)",
    ":",
    "::",
    "#",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "'",
    '"',
    "{",
    "}",
    "[",
    "]",
    ",",
    "?",
    "x y",
    " #c",
    "\xa0",
    "\u2028",
    "\x85",
    "\t",
]
_ATOMS = st.sampled_from(_ATOM_TEXT)
_PAIRS = st.lists(
    st.tuples(
        st.sampled_from(["a", "at", "kind", "_x", "null", "y", "on"]),
        st.lists(_ATOMS, min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=1500, deadline=None)
@given(_PAIRS)
@example([("y", ["\u2028", ":1e3"])])  # the mapping route refuses it; the list route reads it
def test_a_plain_flow_item_reads_as_a_mapping_value_reads(
    pairs: list[tuple[str, list[str]]],
) -> None:
    """Where the list reader parses ``- {...}`` as ``k: {...}``, the two contexts agree.

    The list reader takes the mapping route's value only when that route
    reads the item; where it refuses one (``{y: \u2028:1e3}``: libyaml's
    rules take U+2028 for a line break there, the list context does not),
    the item goes the list route, so only a value read both ways must agree.
    """
    from pipeline_tui.yaml.blocks import _PLAIN_FLOW_MAPPING, BlockReader

    body = "{" + ", ".join(f"{key}: {''.join(value)}" for key, value in pairs) + "}"
    if not _PLAIN_FLOW_MAPPING.fullmatch(body):
        return
    listed = _outcome(f"- {body}", 0)
    mapped = _outcome(f"k: {body}\n", "k")
    if mapped is not None:
        assert listed == mapped
    if listed is not None:  # and what the reader makes of the item, by either route
        block = f"activities:\n  - {body}"
        assert BlockReader().block_value("activities", block) == [listed[1]]


@settings(max_examples=1500, deadline=None)
@given(st.lists(_ATOMS, min_size=1, max_size=6))
def test_a_one_line_value_reads_alike_with_a_final_line_break(atoms: list[str]) -> None:
    """``k: value`` and ``k: value\\n`` hold the same (block scalar headers aside)."""
    rest = "".join(atoms)
    if "\n" not in rest and rest[:1] not in ("|", ">"):
        assert _outcome(f"k: {rest}", "k") == _outcome(f"k: {rest}\n", "k")


def test_list_items_read_the_same_whichever_way_they_are_parsed() -> None:
    """Plain items take the mapping-value route; anything else the list route; same values."""
    text = (
        "activities:\n  - {at: 2026-01-02T03:04:05+00:00, kind: call, by: bo, note: sent deck}\n"
        "  - {kind: note, at: 2026-01-03}\n  - {::}\n  - {a: 'q: r'}\n  - [x, y]\n"
    )
    assert parse_fields(text) == full(text)
