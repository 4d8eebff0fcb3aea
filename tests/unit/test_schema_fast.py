"""The quick schema check (fastjsonschema) agrees with jsonschema on every document.

``passes`` lets a file skip jsonschema only when it says True, so a True
where jsonschema finds an error would hide a problem.  Checked on a full
valid deal and on every way of breaking it one property at a time: each
property missing, and each replaced by a value of every JSON type.
"""

from __future__ import annotations

from typing import Any

import pytest

from pipeline_tui.core.schema import OPPORTUNITY_SCHEMA, passes, validator

FULL: dict[str, Any] = {
    "id": "acme-rollout",
    "title": "ACME rollout",
    "account": "ACME Corp",
    "stage": "lead",
    "owner": "alice",
    "amount": 120000,
    "currency": "USD",
    "probability": 0.4,
    "created": "2026-01-05",
    "expected_close": "2026-03-01",
    "source": "referral",
    "tags": ["big", "q1"],
    "contact": {"name": "Ann", "email": "ann@acme.test", "phone": "+1 555", "role": "CTO"},
    "next_step": {"action": "Send quote", "due": "2026-01-09"},
    "activities": [
        {"at": "2026-01-05T09:30:00+00:00", "kind": "call", "by": "alice", "note": "Intro"}
    ],
    "notes": "Met at the fair.",
}

ODD_VALUES: list[Any] = [None, True, 0, -1, 1.5, 10**16, "", "x", "2026-13-45", [], ["x"], {}]


def variants() -> list[dict[str, Any]]:
    """The full deal, and each property removed or swapped for each odd value, at two depths."""
    found = [FULL]
    for key, value in FULL.items():
        found.append({k: v for k, v in FULL.items() if k != key})
        found.extend({**FULL, key: odd} for odd in ODD_VALUES)
        if isinstance(value, dict):
            for inner in value:
                found.extend({**FULL, key: {**value, inner: odd}} for odd in ODD_VALUES)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                found.extend({**FULL, key: [{**value[0], inner: odd}]} for odd in ODD_VALUES)
    found.append({**FULL, "custom_field": {"anything": [1, 2]}})
    return found


@pytest.mark.parametrize("index", range(len(variants())))
def test_quick_check_agrees_with_jsonschema(index: int) -> None:
    document = variants()[index]
    errors = list(validator(OPPORTUNITY_SCHEMA).iter_errors(document))
    assert passes(OPPORTUNITY_SCHEMA, document) == (not errors), (document, errors)


def test_some_variants_are_invalid_and_the_full_deal_is_valid() -> None:
    """The check above is not vacuous: both answers occur."""
    answers = [passes(OPPORTUNITY_SCHEMA, d) for d in variants()]
    assert answers[0] is True
    assert answers.count(False) > 50
