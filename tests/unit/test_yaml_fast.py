"""The libyaml fast path gives exactly the values ruamel's YAML 1.2 loader gives, or steps aside.

``load_fast`` may either return ruamel's answer (same types, same values,
same time zones) or raise :class:`NeedsSlowPath`; anything else is a bug.
Checked on every YAML 1.1 / 1.2 difference that can appear in a deal file
and on generated opportunity-like documents.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pipeline_tui.yaml.fast import NeedsSlowPath, load_fast
from pipeline_tui.yaml.read import parse_fast


def reference(text: str) -> Any:
    """ruamel's pure-Python YAML 1.2 safe loader, fresh each time (no state across examples)."""
    return YAML(typ="safe", pure=True).load(text)


def same(a: Any, b: Any) -> bool:
    """Type-exact equality: ``1 == 1.0 == True`` is not enough; zones must agree."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dt.datetime):
        return bool(a == b and a.utcoffset() == b.utcoffset() and a.tzname() == b.tzname())
    return bool(a == b)


def agrees(text: str) -> bool:
    """True when the fast path answered (and matched ruamel), False when it stepped aside."""
    try:
        fast = load_fast(text)
    except NeedsSlowPath:
        return False
    slow = reference(text)
    assert same(fast, slow), (text, fast, slow)
    return True


#: The YAML 1.1 / 1.2 differences and libyaml corner cases a deal file can hold.
TRICKY = [
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "true", "False", "TRUE",
    "012", "0o12", "0x1F", "0b101", "09", "1_000", "+12", "-0", "1:20", "190:20:30",
    "1e3", "1E3", "1.5", "1.", ".5", "-.inf", ".NaN", "1.0e+3", ".5e+3",
    "~", "null", "Null", "NULL", "", "2026-12-15", "2026-9-1", "2026-02-30",
    "2026-09-01T10:00:00+00:00", "2026-09-01T10:00:00Z", "2026-09-01 10:00:00",
    "2026-09-01t10:00:00.5-05:30", "2026-09-01T10:00:00.1234567+01:00",
    "'quoted'", '"dq \\t esc"', "plain text", "a: b", "#not", "x #comment",
    "中文", "\u00a0", "=", "<<", "!!str 12", "!custom x", "&a 1", "*a",
]  # fmt: skip


@pytest.mark.parametrize("token", TRICKY)
def test_each_tricky_scalar_matches_ruamel_or_goes_to_the_slow_path(token: str) -> None:
    for text in (f"v: {token}\n", f"v: [{token}]\n", f"v: {{k: {token}}}\n"):
        try:
            reference(text)
        except Exception:  # ruamel refuses it: the fast path must not answer
            with pytest.raises(NeedsSlowPath):
                load_fast(text)
            continue
        agrees(text)


def test_the_documented_deal_file_takes_the_fast_path() -> None:
    text = (
        "id: acme-crm-rollout-7k3f      # slug\n"
        "title: CRM rollout for ACME\n"
        "stage: proposal\n"
        "amount: 120000\n"
        "created: 2026-09-01T10:00:00+00:00\n"
        "expected_close: 2026-12-15\n"
        "probability: 0.6\n"
        "next_step: {due: 2026-11-25, action: Send revised quote}\n"
        "contact: {name: Jane Roe, email: jane@acme.example, role: CTO}\n"
        "tags: [b2b]\n"
        "activities:\n"
        "  - {at: 2026-09-02T09:30:00+00:00, kind: call, by: alice, note: Intro call}\n"
        "notes: |\n"
        "  Free text, kept verbatim.\n"
    )
    assert agrees(text)


def test_duplicate_keys_tags_and_merge_keys_go_to_ruamel() -> None:
    for text in ("a: 1\na: 2\n", "a: !!str 12\n", "b: &x {k: 1}\nc: {<<: *x}\n"):
        with pytest.raises(NeedsSlowPath):
            load_fast(text)


def test_parse_fast_still_raises_ruamels_errors() -> None:
    from ruamel.yaml.error import YAMLError

    with pytest.raises(YAMLError):
        parse_fast("a: 1\na: 2\n")
    assert parse_fast("a: !!str 12\n") == {"a": "12"}


SCALAR = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False).map(repr),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Opportunity-shaped text: block keys, flow maps and lists, activities."""
    lines = []
    for index in range(draw(st.integers(1, 6))):
        value = draw(SCALAR).replace("\n", " ")
        style = draw(st.sampled_from(["plain", "flow-map", "flow-list", "items"]))
        key = f"k{index}"
        if style == "plain":
            lines.append(f"{key}: {value}")
        elif style == "flow-map":
            lines.append(f"{key}: {{at: {value}, kind: call}}")
        elif style == "flow-list":
            lines.append(f"{key}: [{value}, b]")
        else:
            lines.append(f"{key}:\n  - {{at: {value}, note: x}}\n  - {value}")
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents())
def test_generated_documents_match_ruamel_or_step_aside(text: str) -> None:
    try:
        expected = reference(text)
    except Exception:
        with pytest.raises(NeedsSlowPath):
            load_fast(text)
        return
    try:
        fast = load_fast(text)
    except NeedsSlowPath:
        return
    assert same(fast, expected), (text, fast, expected)


# ---------------------------------------------------------------- the line reader
#
# ``load_fast`` first tries ``_read_lines``, which reads the tool's own plain
# shape of deal file with regexes instead of libyaml.  Whenever it answers,
# the answer must be libyaml's path's and ruamel's; it may also step aside
# (None), and must, for anything outside its narrow shape.

#: Characters that matter to YAML's reading of a scalar, plus ordinary ones.
EDGY = " '\"#:,[]{}-?&*!|>%@`~=<.+/\\_0123456789aTZe中\u00a0\u00e9\U0001f600"

LINE_SCALAR = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet="ab Z09-.:/@'\"_+中", min_size=1, max_size=8),
    st.text(alphabet="ab Z09-.:/@'\"_+中", min_size=1, max_size=8).map(lambda t: f"'{t}'"),
    st.text(alphabet="ab Z09-.:/@'#,_+中", min_size=1, max_size=8).map(lambda t: f'"{t}"'),
    st.text(alphabet=EDGY, max_size=10),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(["2026-09-01T10:00:00+00:00", "2026-12-15", "1:20", "http://x.example/a"]),
)
KEY = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True),
    st.from_regex(r"[a-z]{1,6}", fullmatch=True),
    st.sampled_from(["id", "title", "amount", "at", "kind", "note"]),
    st.sampled_from(["true", "null", "y", "on", "1", "-", "a b", "=", "<<"]),
)


@st.composite
def plain_shaped(draw: st.DrawFn) -> str:
    """Texts in and near the line reader's shape: keys, flow items, block lists."""
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        key = draw(KEY)
        values = draw(st.lists(LINE_SCALAR, min_size=0, max_size=3))
        style = draw(st.sampled_from(["plain", "flow-map", "flow-list", "items", "empty"]))
        if style == "plain":
            lines.append(f"{key}: {values[0] if values else 'x'}")
        elif style == "flow-map":
            items = [f"{draw(KEY)}: {v}" for v in values]
            lines.append(f"{key}: {{{', '.join(items)}}}")
        elif style == "flow-list":
            lines.append(f"{key}: [{', '.join(values)}]")
        elif style == "items":
            indent = draw(st.sampled_from(["", " ", "  ", "    "]))
            lines.append(f"{key}:")
            lines += [f"{indent}- {{at: {v}, kind: call}}" for v in values[:1]]
            lines += [f"{indent}- {v}" for v in values[1:]]
        else:
            lines.append(f"{key}:")
    text = "\n".join(lines)
    return text + draw(st.sampled_from(["\n"] * 6 + ["", "\n\n", " \n"]))


def libyaml_path(text: str) -> Any:
    """What ``load_fast`` answers without the line reader (libyaml's node tree)."""
    from pipeline_tui.yaml import fast

    fast._prescan(text)
    parser = fast._Parser(text)
    try:
        node = parser.get_single_node()
    finally:
        parser.dispose()
    return None if node is None else fast._build_memo(node, {})


@pytest.mark.long
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(plain_shaped())
def test_the_line_reader_agrees_with_libyaml_and_ruamel_or_steps_aside(text: str) -> None:
    from pipeline_tui.yaml.fast import _prescan, _read_lines

    try:
        _prescan(text)  # load_fast's refusals come first, as there
        read = _read_lines(text)
    except (NeedsSlowPath, ValueError, OverflowError):
        return  # refused, or a scalar ruamel cannot construct: load_fast steps aside
    if read is None:
        return
    assert same(read, reference(text)), text
    assert same(read, libyaml_path(text)), text


def test_the_line_reader_takes_generated_deal_files_and_refuses_what_it_does_not_know() -> None:
    from pipeline_tui.yaml.fast import _read_lines

    deal = (
        "id: deal-00030\n"
        "title: Deal 30 for Umbrella 30\n"
        "amount: 42000\n"
        "created: 2026-08-10T19:53:28+00:00\n"
        "expected_close: 2026-11-18\n"
        "website: https://umbrella.example/about\n"
        "note: 'it''s quoted: # kept'\n"
        'other: "double: # kept"\n'
        "contact: {name: Pat 0030, email: pat@deal-00030.example}\n"
        "tags: [b2b, 'x, y']\n"
        "empty:\n"
        "activities:\n"
        "  - {at: 2026-09-04T11:25:01+00:00, kind: meeting, by: erin, note: sent deck}\n"
        "  - plain item\n"
    )
    read = _read_lines(deal)
    assert read is not None
    assert same(read, reference(deal))
    assert read["note"] == "it's quoted: # kept" and read["empty"] is None
    refused = [
        "a: 1 # comment\n",
        "# comment\na: 1\n",
        "a: 1\n\nb: 2\n",
        "a: |\n  text\n",
        "a: &x 1\n",
        "a: !!str 1\n",
        "a: 1\r\n",
        "a: 1",
        "\n",
        "a: {b: {c: 1}}\n",
        "a:\n  b: 1\n",
        "a: x\n  continued\n",
        "a: 1\na: 2\n",
        "a: {b: 1, b: 2}\n",
        'a: "esc\\n"\n',
        "a:  two spaces\n",
        "a: trailing \n",
        "---\na: 1\n",
    ]
    for text in refused:
        assert _read_lines(text) is None, text


def test_a_line_read_before_gives_the_same_values_and_its_own_containers() -> None:
    from pipeline_tui.yaml.fast import _read_lines

    deal = (
        "stage: won\nprofile: {industry: software, size: 50-200}\ntags: [b2b, x]\n"
        "expected_close: 2026-05-05\n"
    )
    first, second = _read_lines(deal), _read_lines(deal)  # the second from the line memo
    assert first is not None and second is not None
    assert same(first, reference(deal)) and same(second, reference(deal))
    assert first["profile"] is not second["profile"] and first["tags"] is not second["tags"]
    first["profile"]["industry"] = "changed"
    first["tags"].append("more")
    third = _read_lines(deal)
    assert third is not None and same(third, reference(deal))  # no document shares a container
    assert _read_lines("stage: won\nstage: won\n") is None  # a repeated line is a duplicate key
    assert _read_lines("stage: won\nstage: lost\n") is None


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-09-01T10:00:00+00:00", "2026-09-01T10:00:00Z", "2026-09-01T10:00:00-05:30",
        "2026-09-01T10:00:00+5", "2026-09-01T10:00:00", "2026-09-01t10:00:00Z",
        "2026-09-01 10:00:00+00:00", "2026-09-01T10:00:00.5+00:00", "2026-09-01T10:00:00 Z",
        "2026-12-15", "2026-02-30", "2026-13-01T10:00:00+00:00", "2026-09-01T24:00:00+00:00",
    ],
)  # fmt: skip
def test_the_iso_shortcut_for_timestamps_reads_what_ruamel_reads(stamp: str) -> None:
    for _ in range(2):  # the second time the zone is known: the shortcut answers
        for text in (f"v: {stamp}\n", f"v: {{at: {stamp}}}\n", f"v:\n  - {stamp}\n"):
            try:
                reference(text)
            except Exception:
                with pytest.raises(NeedsSlowPath):
                    load_fast(text)
                continue
            assert agrees(text), text
