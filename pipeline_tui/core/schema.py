"""The JSON Schemas in ``schema/``: the single definition of a valid file.

Validation uses exactly the files editors can use, so the two never drift.
Validators are built once per process.

Two validators read the same schema: :func:`passes` is the schema compiled to
Python code (``fastjsonschema``), about ten times faster than ``jsonschema``
and all that a valid file needs; :func:`validator` (``jsonschema``) runs only
on files that fail, for its complete list of messages with their paths.  A
test checks that the two agree on good and hostile files.  So a run whose
files are all valid never imports ``jsonschema`` (about 80 ms at start).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pipeline_tui.core.bundled import data_dir

if TYPE_CHECKING:  # jsonschema costs ~80 ms to import: only when something fails the check
    from jsonschema import Draft202012Validator

OPPORTUNITY_SCHEMA = "opportunity.schema.json"
CONFIG_SCHEMA = "pipeline.schema.json"
#: Schemas checked by compiled code first: every one.  The deal schema is
#: checked once per file, thousands of times a cold run; ``pipeline.yaml`` once
#: a cold run, but through ``jsonschema`` that meant importing it (80 ms)
#: where compiling the schema takes about 20 ms.
COMPILED = frozenset({OPPORTUNITY_SCHEMA, CONFIG_SCHEMA})


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


def passes(name: str, instance: Any) -> bool | None:
    """Whether ``instance`` (plain JSON values) is valid: the compiled check.

    None when ``name`` has no compiled check (ask :func:`validator`).  A False
    answer says only *that* it fails; :func:`validator` says where and why.
    """
    if name not in COMPILED:
        return None
    try:
        _compiled(name)(instance)
    except Exception:  # its "invalid", or anything odd (deep nesting): jsonschema decides
        return False
    return True


@cache
def _compiled(name: str) -> Callable[[Any], Any]:
    """The compiled check of one schema (raises on invalid data).

    Without detailed exceptions: only whether the data passes is used, and
    code that does not copy the schema into every ``raise`` is half the size
    and compiles in a quarter of the time (``pipeline.yaml``'s: 120 KB, not 250 KB).
    """
    import fastjsonschema

    schema = load_schema(name)
    check: Callable[[Any], Any] = fastjsonschema.compile(
        schema, use_default=False, detailed_exceptions=False
    )
    return check
