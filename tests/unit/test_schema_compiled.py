"""The compiled schema check (fastjsonschema) agrees with jsonschema on every file.

``schema_problems`` trusts the compiled check's "valid" and asks jsonschema
only about failures, so its answer must be jsonschema's: checked on the good
and hostile files the other tests use, on every field set to every kind of
value (including the edge cases of the patterns: a trailing newline,
non-ASCII digits), and on generated documents.  The same holds for
``pipeline.yaml``'s schema, checked on a config using every section (stages,
team, value labels, calendar, automations) with every value in it replaced
by every kind of value or removed.  The one known difference
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
from pipeline_tui.core.schema import (
    CONFIG_SCHEMA,
    OPPORTUNITY_SCHEMA,
    load_schema,
    passes,
    validator,
)
from pipeline_tui.core.validation import schema_problems
from pipeline_tui.yaml.read import parse_document, parse_fast
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


def agree(data: Any, schema: str = OPPORTUNITY_SCHEMA) -> bool:
    """The fast path's answer is jsonschema's; the compiled verdict differs only safely.

    Returns whether ``data`` is valid.
    """
    plain = jsonable(data)
    full_valid = not list(validator(schema).iter_errors(plain))
    verdict = passes(schema, plain)
    if verdict is not full_valid:  # never a pass for an invalid file
        assert not verdict and _newline_at_end(plain), plain
    assert (schema_problems(data, "x.yaml", schema) == []) is full_valid
    return full_valid


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


def test_both_schemas_are_compiled() -> None:
    assert passes(CONFIG_SCHEMA, {}) is False
    assert passes(OPPORTUNITY_SCHEMA, {}) is False
    assert passes("no.schema.json", {}) is None


#: A ``pipeline.yaml`` with every section of the schema.
FULL_CONFIG = """\
stages:
  - {name: lead, probability: 0.1, max_days: 14, label: Lead, labels: {zh_CN: 线索}}
  - {name: qualified, probability: 0.25, requires: [contact.email]}
  - {name: won, probability: 1.0, terminal: true}
  - {name: lost, probability: 0.0, terminal: true}
currency: USD
first_contact_sla_hours: 24
stale_after_days: 14
sources: [website, referral]
lost_reasons: [price, no-budget]
value_labels: {source: {website: {zh_CN: 官网咨询}}, lost_reason: {no-budget: No budget}}
profile_fields: [industry, size]
language: en
layout: sharded
team:
  alice: {manager: dana, email: alice@example.com}
  dana: {}
  erin:
calendar: {country: CN}
custom_fields: [region]
notify_timeout_seconds: 10
automations:
  - name: first call
    trigger: {created: {}}
    when: {source: {in: [website, event]}}
    actions:
      - assign: {round_robin: [alice, dana]}
      - next_step: {action: First call, due: +24h}
  - name: escalate silent deals
    trigger: {no_activity: {working_days: 3}}
    when: {stage: {in: [lead, qualified]}}
    actions:
      - escalate: {to: ["json://localhost/hook"]}
  - name: proposal work
    trigger: {entered: {stage: qualified, from: lead}}
    actions:
      - next_step: {action: Send proposal, due: +2 working days}
  - name: loss review
    trigger: {closed: lost}
    actions:
      - require_review: {}
"""

#: Fewer kinds of value than :data:`VALUES` (each is tried at every place of the config).
CONFIG_VALUES: list[Any] = [
    None,
    True,
    -1,
    2,
    0.5,
    "",
    " x",
    "x",
    "EUR\n",
    [],
    ["x"],
    {},
    {"name": "x"},
]


def _places(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside ``value`` (mappings and lists, at any depth)."""
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    found = []
    for key, item in items:
        found.append((*here, key))
        found.extend(_places(item, (*here, key)))
    return found


def _changed(value: Any, place: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the item at ``place`` set to ``new`` (or removed: ``_GONE``)."""
    if not place:
        return new
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    head, rest = place[0], place[1:]
    if rest or new is not _GONE:
        copy[head] = _changed(value[head], rest, new)
    else:
        del copy[head]
    return copy


_GONE = object()


@pytest.mark.parametrize("section", [*parse_fast(FULL_CONFIG)])
def test_a_config_with_every_value_replaced_by_every_kind_or_removed(section: str) -> None:
    config = parse_fast(FULL_CONFIG)
    assert agree(config, CONFIG_SCHEMA)  # the base is valid: each change tests one thing
    places = [(section,), *_places(config[section], (section,))]
    outcomes = [
        agree(_changed(config, place, value), CONFIG_SCHEMA)
        for place in places
        for value in [*CONFIG_VALUES, _GONE]
    ]
    assert not all(outcomes)


_CONFIG_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 30)
    | st.floats(-1, 2)
    | st.sampled_from([v for v in CONFIG_VALUES if isinstance(v, str)]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["name", "probability", "terminal", "manager", "trigger", "actions", "when", "x"]
            ),
            inner,
        )
    ),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from([*load_schema(CONFIG_SCHEMA)["properties"]]), _CONFIG_JSON))
def test_generated_configs(data: dict[str, Any]) -> None:
    agree({**parse_fast(FULL_CONFIG), **data}, CONFIG_SCHEMA)
    agree(data, CONFIG_SCHEMA)
