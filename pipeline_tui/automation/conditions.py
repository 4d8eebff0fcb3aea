"""Rule conditions (``when:``): field comparisons over a deal's data.

All conditions of a rule must hold.  ``tags`` and other list fields compare
by membership (``has``, or ``eq``/``in`` matching any element).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline_tui.automation.rules import Condition
from pipeline_tui.core.model import get_dotted, is_filled, jsonable


def holds(condition: Condition, data: Mapping[str, Any]) -> bool:
    """Whether ``condition`` is true for the deal ``data``."""
    actual = jsonable(get_dotted(data, condition.field))
    op, expected = condition.op, jsonable(condition.value)
    if op == "empty":
        return (not is_filled(actual)) == bool(expected)
    if op == "has":
        return isinstance(actual, list) and expected in actual
    values = actual if isinstance(actual, list) else [actual]
    if op == "eq":
        return expected in values
    if op == "ne":
        return expected not in values
    if op == "in":
        return any(v in expected for v in values)
    if op == "not_in":
        return not any(v in expected for v in values)
    return _compare(op, actual, expected)


def all_hold(conditions: tuple[Condition, ...], data: Mapping[str, Any]) -> bool:
    return all(holds(c, data) for c in conditions)


def explain(condition: Condition, data: Mapping[str, Any]) -> str:
    """One line for ``automate test``: the condition, the deal's value, and the verdict."""
    actual = jsonable(get_dotted(data, condition.field))
    verdict = "pass" if holds(condition, data) else "FAIL"
    return f"{verdict}: {condition.field} {condition.op} {condition.value!r} (is {actual!r})"


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    return bool(actual <= expected)  # lte
