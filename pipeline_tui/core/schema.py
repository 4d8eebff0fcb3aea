"""The JSON Schemas in ``schema/``: the single definition of a valid file.

Validation uses exactly the files editors can use, so the two never drift.
Validators are built once per process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pipeline_tui.core.bundled import data_dir

if TYPE_CHECKING:  # jsonschema costs ~60 ms to import: only when something is validated
    from jsonschema import Draft202012Validator

OPPORTUNITY_SCHEMA = "opportunity.schema.json"
CONFIG_SCHEMA = "pipeline.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    with (data_dir("schema") / name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A ready validator for one of the bundled schemas."""
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    # The bundled schemas are checked against the metaschema by the test suite
    # (tests/integration/test_history_imports.py): doing it here cost every process 60 ms.
    return Draft202012Validator(schema)


@cache
def _compiled(name: str) -> Callable[[Any], Any]:
    """The schema compiled to Python code by fastjsonschema (about 7 ms, once per process)."""
    import fastjsonschema

    compiled: Callable[[Any], Any] = fastjsonschema.compile(
        load_schema(name), use_default=False, use_formats=False, detailed_exceptions=False
    )
    return compiled


def accepts(name: str, instance: Any) -> bool:
    """True when ``instance`` (plain JSON values) certainly passes schema ``name``.

    Why: :func:`validator` walks an opportunity in about 0.2 ms, most of a
    10,000-row import's checking; the compiled check takes 4 us.  It is never
    more lenient than jsonschema (the same Python regular expressions, with
    ``$`` read strictly as the end), so False only means "ask :func:`validator`",
    which finds the errors and words them; True means it would find none.
    """
    from fastjsonschema import JsonSchemaException

    try:
        _compiled(name)(instance)
    except (JsonSchemaException, TypeError, ValueError):
        return False
    return True
