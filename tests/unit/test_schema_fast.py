"""The compiled schema check never accepts what jsonschema refuses.

:func:`pipeline_tui.core.schema.accepts` lets valid records skip jsonschema's
walk; a record it wrongly accepted would be written invalid.  Checked on
hand-picked near misses and on generated records whose strings range over all
of Unicode (``\\s`` and ``$`` are where regular-expression engines differ).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_tui.core.bundled import data_dir
from pipeline_tui.core.schema import CONFIG_SCHEMA, OPPORTUNITY_SCHEMA, accepts, validator
from pipeline_tui.core.validation import schema_problems

#: Keywords whose meaning is the same in Draft 2020-12 and in fastjsonschema's
#: Draft 2019-09: a schema using any other (prefixItems, unevaluatedProperties,
#: $dynamicRef...) would be checked more leniently by the compiled code.
SHARED_KEYWORDS = {
    "$defs", "$id", "$ref", "$schema", "additionalProperties", "anyOf", "description", "enum",
    "exclusiveMinimum", "items", "maxProperties", "maximum", "minItems", "minLength",
    "minProperties", "minimum", "oneOf", "pattern", "properties", "propertyNames", "required",
    "title", "type", "maxLength", "exclusiveMaximum", "maxItems", "allOf", "not", "const",
}  # fmt: skip

VALID: dict[str, Any] = {
    "id": "acme-1",
    "title": "Acme - Platform",
    "account": "Acme",
    "stage": "lead",
    "created": "2024-01-01T10:00:00+00:00",
    "amount": 5000,
    "currency": "USD",
    "probability": 0.4,
    "expected_close": "2024-05-01",
    "contact": {"name": "Ann", "email": "ann@acme.test"},
    "tags": ["a"],
    "activities": [{"at": "2024-01-02", "kind": "call", "by": "bob", "note": None}],
}


def _keywords(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            children = value.values() if key in ("properties", "$defs") else [value]
            for child in children:
                _keywords(child, found)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)
    return found


@pytest.mark.parametrize("name", [OPPORTUNITY_SCHEMA, CONFIG_SCHEMA])
def test_schemas_use_only_keywords_both_validators_read_alike(name: str) -> None:
    schema = json.loads((data_dir("schema") / name).read_text(encoding="utf-8"))
    assert _keywords(schema, set()) <= SHARED_KEYWORDS


def _agrees(instance: Any) -> None:
    errors = list(validator(OPPORTUNITY_SCHEMA).iter_errors(instance))
    if accepts(OPPORTUNITY_SCHEMA, instance):
        assert errors == [], instance


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"amount": -1},
        {"amount": True},
        {"amount": float("nan")},
        {"amount": 10**400},
        {"currency": "usd"},
        {"currency": "USD\n"},
        {"created": "2024-01-01T10:00:00+00:00\n"},
        {"created": "yesterday"},
        {"id": "Acme"},
        {"id": "\u4e00-deal"},
        {"title": ""},
        {"probability": 1.5},
        {"contact": {"email": "a\x1cb@c.test"}},
        {"contact": {"email": "a b@c.test"}},
        {"tags": [1]},
        {"activities": [{"at": "2024-01-02", "kind": "lunch"}]},
        {"conflicts": {"stage": 3}},
    ],
)
def test_near_misses(change: dict[str, Any]) -> None:
    _agrees({**VALID, **change})


def test_a_valid_record_is_accepted_and_has_no_problems() -> None:
    assert accepts(OPPORTUNITY_SCHEMA, VALID)
    assert schema_problems(VALID, "opportunities/acme-1.yaml", OPPORTUNITY_SCHEMA) == []


def test_an_invalid_record_still_gets_jsonschemas_words() -> None:
    problems = schema_problems({**VALID, "currency": "usd"}, "x.yaml", OPPORTUNITY_SCHEMA)
    assert [(p.field, p.message) for p in problems] == [
        ("currency", "'usd' is not in the expected format")
    ]


_TEXT = st.text(max_size=12) | st.sampled_from(["2024-01-01", "ann@x.test", "USD", "ok-1"])
_VALUE = (
    _TEXT
    | st.none()
    | st.booleans()
    | st.integers(-5, 10**16)
    | st.floats(allow_nan=True)
    | st.lists(_TEXT, max_size=2)
    | st.dictionaries(st.sampled_from(["email", "name", "at", "kind"]), _TEXT, max_size=2)
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(VALID)), _VALUE, max_size=4))
def test_generated_records(change: dict[str, Any]) -> None:
    _agrees({**VALID, **change})
