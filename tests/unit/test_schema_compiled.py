"""The compiled schema check (fastjsonschema) agrees with jsonschema on every file.

``schema_problems`` trusts the compiled check's "valid" and asks jsonschema
only about failures, so its answer must be jsonschema's: checked on the good
and hostile files the other tests use, on every field set to every kind of
value (including the edge cases of the patterns: a trailing newline,
non-ASCII digits), and on generated documents.  The one known difference
runs the safe way: fastjsonschema reads a pattern's ``$`` as the end of the
text, jsonschema (Python's ``re``) also before a final newline, so
``currency: "EUR\n"`` fails the compiled check and jsonschema then passes it.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.core.model import jsonable
from pipeline_tui.core.schema import OPPORTUNITY_SCHEMA, load_schema, passes, validator
from pipeline_tui.core.validation import schema_problems
from pipeline_tui.yaml.read import parse_document
from tests.hostile_files import GOOD, alias_bomb, deep_nesting

BASE: dict[str, Any] = {
    "id": "acme-1",
    "title": "ACME rollout",
    "account": "ACME",
    "stage": "lead",
    "created": datetime(2026, 9, 1, 10, 0, tzinfo=timezone(timedelta(0), "+00:00")),
}

#: Values of every JSON type plus the strings the schema's patterns care about.
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    0.5,
    -0.5,
    1.5,
    math.inf,
    -math.inf,
    math.nan,
    10**20,
    "",
    " ",
    "x",
    "EUR",
    "eur",
    "EURO",
    "EUR\n",
    "a@b",
    "a b@c",
    "a@b\n",
    "@b",
    "2026-12-15",
    "2026-12-15\n",
    "2026-13-45",
    "٢٠٢٦-١٢-١٥",  # Arabic-Indic digits: \d matches them in Python's re
    "2026-09-01T10:00:00+00:00",
    "2026-09-01 10:00",
    "2026-09-01T10:00:00.123Z",
    "2026-09-01T10",
    "acme-1",
    "Acme",
    "华为-1",
    "-x",
    "a" * 121,
    "call",
    "visit",
    date(2026, 12, 15),
    datetime(2026, 9, 1, 10, 0),
    [],
    ["a", "b"],
    ["a", 1],
    [{"at": "2026-09-01", "kind": "call"}],
    [{"at": "2026-09-01", "kind": "visit"}],
    [{"kind": "call"}],
    [{"at": "2026-09-01", "kind": "call", "by": 3}],
    ["x"],
    {},
    {"due": "2026-12-15", "action": "call"},
    {"due": "soon"},
    {"email": "a@b", "name": "A"},
    {"email": "ab"},
    {"phone": 123},
    {"amount": {"ours": 1, "theirs": 2}},
    {"amount": 3},
]


def agree(data: Any) -> None:
    """The fast path's answer is jsonschema's; the compiled verdict differs only safely."""
    plain = jsonable(data)
    full_valid = not list(validator(OPPORTUNITY_SCHEMA).iter_errors(plain))
    verdict = passes(OPPORTUNITY_SCHEMA, plain)
    if verdict is not full_valid:  # never a pass for an invalid file
        assert not verdict and _newline_at_end(plain), plain
    assert (schema_problems(data, "x.yaml", OPPORTUNITY_SCHEMA) == []) is full_valid


def _newline_at_end(value: Any) -> bool:
    if isinstance(value, str):
        return value.endswith("\n")
    if isinstance(value, dict):
        return any(_newline_at_end(v) for v in value.values())
    return isinstance(value, list) and any(_newline_at_end(v) for v in value)


def field_cases() -> list[tuple[str, Any]]:
    fields = [*load_schema(OPPORTUNITY_SCHEMA)["properties"], "custom_field"]
    return [(field, value) for field in fields for value in VALUES]


@pytest.mark.parametrize(("field", "value"), field_cases())
def test_every_field_with_every_kind_of_value(field: str, value: Any) -> None:
    agree({**BASE, field: value})


@pytest.mark.parametrize("missing", ["id", "title", "account", "stage", "created"])
def test_a_missing_required_field(missing: str) -> None:
    agree({k: v for k, v in BASE.items() if k != missing})


def test_good_and_hostile_files() -> None:
    texts = [GOOD, alias_bomb(2), deep_nesting(40), GOOD.replace("amount: 1000", "amount: -1")]
    texts += [GOOD + "tags: [a, 1]\n", GOOD + "activities:\n  - {at: 2026-09-02, kind: call}\n"]
    checked = 0
    for text in texts:
        data, problems = parse_document(text, "x.yaml")
        if not problems:
            agree(data)
            checked += 1
    assert checked >= 4
    agree([])
    agree("a string")
    agree(None)


def test_a_valid_file_is_valid_and_an_invalid_one_is_not() -> None:
    assert passes(OPPORTUNITY_SCHEMA, jsonable(BASE)) is True
    assert passes(OPPORTUNITY_SCHEMA, jsonable({**BASE, "amount": -1})) is False


def test_only_the_opportunity_schema_is_compiled() -> None:
    assert passes("pipeline.schema.json", {}) is None


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-2, 2)
    | st.sampled_from([v for v in VALUES if isinstance(v, str)])
    | st.dates().map(str),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["at", "kind", "by", "due", "email", "x"]), inner)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*load_schema(OPPORTUNITY_SCHEMA)["properties"]]), _JSON))
def test_generated_documents(data: dict[str, Any]) -> None:
    agree({**BASE, **data})
    agree(data)
