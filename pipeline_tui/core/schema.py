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
    """The schema compiled to Python by fastjsonschema (a draft-07 reading of it).

    The bundled schemas use only keywords that mean the same in draft 7 and
    2020-12 (``$defs`` is reached by JSON pointer); formats stay annotations,
    as they are for :func:`validator`.
    """
    import fastjsonschema

    schema = dict(load_schema(name), **{"$schema": "http://json-schema.org/draft-07/schema#"})
    compiled: Callable[[Any], Any] = fastjsonschema.compile(schema, use_formats=False)
    return compiled


def is_valid(name: str, instance: Any) -> bool:
    """Whether ``instance`` passes schema ``name``: the quick answer for the common case.

    About 25 times faster than :func:`validator` (1 ms a file), which is what a
    first read of 10,000 files spent most of its time on.  Only a True is
    trusted on its own; a False sends the caller to :func:`validator`, whose
    errors carry the paths and messages problems are made of.
    """
    from fastjsonschema import JsonSchemaException

    try:
        _compiled(name)(instance)
    except JsonSchemaException:
        return False
    return True
