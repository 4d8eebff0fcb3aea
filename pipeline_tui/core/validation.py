"""Validation: the JSON Schema plus the rules that need ``pipeline.yaml``.

Pure functions from parsed data to :class:`Problem` values.  Line numbers are
supplied by a ``locate`` callback so this module stays free of YAML parsing:
storage passes one backed by ruamel's round-trip line information.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, TypeGuard

from pipeline_tui.core.config import PipelineConfig, Stage
from pipeline_tui.core.model import Problem, Severity, get_dotted, is_filled, jsonable
from pipeline_tui.core.schema import CONFIG_SCHEMA, OPPORTUNITY_SCHEMA, accepts, validator

_REQUIRED = re.compile(r"^'(.+)' is a required property$")

#: The largest amount a deal may hold (a quadrillion).  Why a limit: ``1e309``
#: reads as infinity and a 400-digit integer cannot become a float, so either
#: breaks every sum; below this, a million deals still add up to a finite number.
MAX_AMOUNT = 10**15

#: Maps a key path such as ``("contact", "email")`` to a 1-based line, if known.
Locator = Callable[[Sequence[str | int]], int | None]


def no_line(_key_path: Sequence[str | int]) -> int | None:
    return None


def schema_problems(
    data: Any, path: str, schema_name: str, locate: Locator = no_line
) -> list[Problem]:
    """Every schema violation, with the dotted field and its line."""
    instance = jsonable(data)
    if accepts(schema_name, instance):
        return []
    problems = []
    errors = sorted(validator(schema_name).iter_errors(instance), key=lambda e: e.path)
    for error in errors:
        key_path = list(error.absolute_path)
        message = error.message
        if error.validator == "required" and isinstance(error.instance, Mapping):
            named = _REQUIRED.match(error.message)  # one error per missing property
            missing = [k for k in error.validator_value if k not in error.instance]
            key_path = [*key_path, named.group(1) if named else missing[0]]
            message = "is required"
        elif error.validator == "pattern":
            message = f"{error.instance!r} is not in the expected format"
        elif len(repr(error.instance)) > 30:
            message = message.replace(repr(error.instance), "the value")
        field = ".".join(str(k) for k in key_path) or None
        problems.append(Problem(path, message, _line(locate, key_path), field))
    return problems


def opportunity_problems(
    data: Any, path: str, config: PipelineConfig, locate: Locator = no_line
) -> list[Problem]:
    """Everything wrong with one opportunity file's parsed content."""
    if not isinstance(data, Mapping):
        return [Problem(path, "the file must hold a mapping of fields (key: value)", 1)]
    problems = schema_problems(data, path, OPPORTUNITY_SCHEMA, locate)

    def add(field: str, message: str, severity: Severity = "error", near: str = "") -> None:
        line = _line(locate, [near or field])
        problems.append(Problem(path, message, line, field, severity))

    for field, message in _number_problems(data, ""):
        add(field, message, near=field.split(".")[0])
    amount = data.get("amount")
    if _is_real(amount) and amount > MAX_AMOUNT:
        add("amount", f"is too large (at most {MAX_AMOUNT:,})")
    stem = PurePosixPath(path).name.removesuffix(".yaml")
    if isinstance(data.get("id"), str) and data["id"] != stem:
        add("id", f"id {data['id']!r} does not match the file name {stem!r}.yaml")
    stage = data.get("stage")
    if isinstance(stage, str) and not config.has_stage(stage):
        add("stage", f"unknown stage {stage!r} (stages: {', '.join(config.stage_names)})")
    _check_listed(data, "source", config.sources, add)
    if stage == config.lost_stage:
        if not is_filled(data.get("lost_reason")):
            add("lost_reason", f"is required when the stage is {stage!r}", near="stage")
        else:
            _check_listed(data, "lost_reason", config.lost_reasons, add)
    problems.extend(conflict_problems(data, path, locate))
    owner = data.get("owner")
    if config.team and isinstance(owner, str) and owner not in config.team:
        add("owner", f"{owner!r} is not in the team list in pipeline.yaml", "warning")
    return problems


def conflict_problems(
    data: Mapping[str, Any], path: str, locate: Locator = no_line
) -> list[Problem]:
    """One error per field a merge left in conflict (the ``conflicts:`` mapping).

    The merge driver records both values there instead of writing git's
    conflict markers; making each entry an error keeps ``validate`` failing
    and the TUI's problems panel showing it until ``pipeline resolve``.
    """
    entries = data.get("conflicts")
    if not isinstance(entries, Mapping):
        return []
    opp_id = data.get("id", PurePosixPath(path).stem)
    problems = []
    for field, sides in entries.items():
        if isinstance(sides, Mapping):
            ours, theirs = jsonable(sides.get("ours")), jsonable(sides.get("theirs"))
            detail = f"yours {ours!r}, theirs {theirs!r}"
        else:
            detail = "both sides changed it"
        message = (
            f"conflicting edits to {field} ({detail}): run `pipeline resolve {opp_id} "
            f"--ours`, `--theirs` or `--set {field}=VALUE`"
        )
        line = _line(locate, ["conflicts", field])
        problems.append(Problem(path, message, line, f"conflicts.{field}"))
    return problems


def config_problems(data: Any, path: str, locate: Locator = no_line) -> list[Problem]:
    """Everything wrong with ``pipeline.yaml``."""
    if not isinstance(data, Mapping):
        return [Problem(path, "pipeline.yaml must hold a mapping", 1)]
    problems = schema_problems(data, path, CONFIG_SCHEMA, locate)
    if problems:
        return problems
    problems += _name_problems(data, path, locate)
    names = [s["name"] for s in data["stages"]]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problems.append(
                Problem(
                    path, f"stage {name!r} is listed twice", locate(["stages", index]), "stages"
                )
            )
    if all(s.get("terminal") for s in data["stages"]):
        problems.append(
            Problem(path, "at least one stage must be open (not terminal)", None, "stages")
        )
    problems.extend(_outcome_problems(data["stages"], path, locate))
    return problems


def is_clean_name(text: str) -> bool:
    """Whether ``text`` can name a stage, source or lost reason.

    Any language, spaces and ``/`` are fine (``初步接触``, ``Closed Won``); control
    characters (which would garble a terminal or a file) and surrounding
    whitespace (which makes two names look alike) are not.  The schema's
    pattern says the same, except that its ``$`` lets a trailing newline through.
    """
    return (
        bool(text)
        and text == text.strip()
        and not any(unicodedata.category(c) == "Cc" for c in text)
    )


def _name_problems(data: Mapping[str, Any], path: str, locate: Locator) -> list[Problem]:
    """Stage names, sources and lost reasons that :func:`is_clean_name` refuses."""
    named: list[tuple[list[str | int], Any]] = [
        (["stages", i, "name"], s["name"]) for i, s in enumerate(data["stages"])
    ]
    for key in ("sources", "lost_reasons"):
        named += [([key, i], v) for i, v in enumerate(data.get(key) or ())]
    return [
        Problem(
            path,
            f"{value!r} has a control character or surrounding spaces",
            _line(locate, where),
            ".".join(str(w) for w in where),
        )
        for where, value in named
        if isinstance(value, str) and not is_clean_name(value)
    ]


def _outcome_problems(
    stages: Sequence[Mapping[str, Any]], path: str, locate: Locator
) -> list[Problem]:
    """``close won`` and ``close lost`` need two terminal stages, the won one more probable.

    Without them ``close lost`` would commit a deal into an open stage (or
    into the won one) with a lost reason: the config is refused instead.
    """
    terminal = [s for s in stages if s.get("terminal")]
    chances = {float(s.get("probability", 0) or 0) for s in terminal}
    if len(terminal) >= 2 and len(chances) >= 2:
        return []
    line = _line(locate, ["stages"])
    return [
        Problem(
            path,
            "needs a won and a lost stage: two stages with `terminal: true`, the won one "
            "with the higher probability (e.g. {name: won, probability: 1.0, terminal: true} "
            "and {name: lost, probability: 0.0, terminal: true})",
            line,
            "stages",
        )
    ]


def _is_real(value: Any) -> TypeGuard[int | float]:
    """An int, or a finite float (infinity is reported once, as not finite)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _number_problems(value: Any, field: str) -> Iterator[tuple[str, str]]:
    """(field, message) for every number that is not finite, at any depth.

    Infinity and NaN cannot be summed, compared or written as JSON, so a file
    holding one is a problem wherever the number is.
    """
    if isinstance(value, float) and not math.isfinite(value):
        yield field, f"{value} is not a finite number"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _number_problems(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _number_problems(item, f"{field}.{index}")


def missing_requirements(data: Mapping[str, Any], stage: Stage) -> list[str]:
    """The fields ``stage.requires`` names that ``data`` leaves empty."""
    return [key for key in stage.requires if not is_filled(get_dotted(data, key))]


def _check_listed(
    data: Mapping[str, Any],
    field: str,
    allowed: Sequence[str],
    add: Callable[[str, str], None],
) -> None:
    value = data.get(field)
    if allowed and isinstance(value, str) and value not in allowed:
        add(field, f"{value!r} is not one of the configured {field}s: {', '.join(allowed)}")


def _line(locate: Locator, key_path: Sequence[str | int]) -> int | None:
    """The line of the deepest key in ``key_path`` that exists in the file."""
    for depth in range(len(key_path), 0, -1):
        line = locate(key_path[:depth])
        if line is not None:
            return line
    return locate([])
