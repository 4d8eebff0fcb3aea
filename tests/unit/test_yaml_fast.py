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
