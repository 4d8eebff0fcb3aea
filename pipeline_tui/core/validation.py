"""Validation: the JSON Schema plus the rules that need ``pipeline.yaml``.

Pure functions from parsed data to :class:`Problem` values.  Line numbers are
supplied by a ``locate`` callback so this module stays free of YAML parsing:
storage passes one backed by ruamel's round-trip line information.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, NamedTuple, TypeGuard

from pipeline_tui.core.config import PipelineConfig, Stage
from pipeline_tui.core.currencies import is_iso_code, is_other_currency, suggested_codes
from pipeline_tui.core.model import Problem, Severity, get_dotted, is_filled, jsonable
from pipeline_tui.core.schema import CONFIG_SCHEMA, OPPORTUNITY_SCHEMA, passes, validator
from pipeline_tui.i18n import N_, _

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
    return _schema_problems(jsonable(data), path, schema_name, locate)


def _schema_problems(
    plain: Any, path: str, schema_name: str, locate: Locator = no_line
) -> list[Problem]:
    """:func:`schema_problems` of data already made plain (:func:`jsonable`).

    A file the compiled check passes has none; only a failing file pays for
    ``jsonschema``, whose messages are the ones shown.
    """
    if passes(schema_name, plain):
        return []
    problems = []
    errors = sorted(validator(schema_name).iter_errors(plain), key=lambda e: e.path)
    for error in errors:
        key_path = list(error.absolute_path)
        message = error.message
        if error.validator == "required" and isinstance(error.instance, Mapping):
            named = _REQUIRED.match(error.message)  # one error per missing property
            missing = [k for k in error.validator_value if k not in error.instance]
            key_path = [*key_path, named.group(1) if named else missing[0]]
            message = _("is required")
        elif error.validator == "pattern" and key_path == ["currency"]:
            message = _currency_format(error.instance)
        elif error.validator == "pattern":
            message = _("{value!r} is not in the expected format").format(value=error.instance)
        else:
            message = _schema_message(error)
        field = ".".join(str(k) for k in key_path) or None
        problems.append(Problem(path, message, _line(locate, key_path), field))
    return problems


#: Our words for the schema's checks, when the catalog translates them; in English
#: (no translation) the schema library's own message is kept, byte for byte.
_SCHEMA_MESSAGES = {
    "type": N_("{value} is not of type {expected}"),
    "minimum": N_("{value} is less than the minimum of {limit}"),
    "maximum": N_("{value} is greater than the maximum of {limit}"),
    "exclusiveMinimum": N_("{value} must be greater than {limit}"),
    "enum": N_("{value} is not one of {limit}"),
    "minLength": N_("{value} is too short"),
    "minItems": N_("{value} should have at least {limit} items"),
    "minProperties": N_("{value} should have at least {limit} fields"),
    "additionalProperties": N_("unknown fields: {extra}"),
    "anyOf": N_("{value} is not valid under any of the allowed forms"),
    "oneOf": N_("{value} is not valid under any of the allowed forms"),
    "propertyNames": N_("{value} has a field name that is not allowed"),
}
#: JSON Schema's type names, as a user of the language reads them.
_TYPE_NAMES = {
    "string": N_("text"),
    "number": N_("number"),
    "integer": N_("whole number"),
    "boolean": N_("true/false"),
    "null": N_("empty"),
    "array": N_("list"),
    "object": N_("group of fields"),
}


def _schema_message(error: Any) -> str:
    """The schema library's message, or ours for its check when the language has one."""
    value = repr(error.instance) if len(repr(error.instance)) <= 30 else _("the value")
    template = _SCHEMA_MESSAGES.get(str(error.validator))
    if template is None or _(template) == template:
        return str(error.message).replace(repr(error.instance), value)
    types = (
        error.validator_value
        if isinstance(error.validator_value, list)
        else [error.validator_value]
    )
    extra = ""
    if isinstance(error.instance, Mapping):
        known = error.schema.get("properties", {})
        extra = ", ".join(repr(k) for k in error.instance if k not in known)
    return _(template).format(
        value=value,
        limit=error.validator_value,
        expected=" / ".join(_(_TYPE_NAMES.get(str(t), str(t))) for t in types),
        extra=extra,
    )


def opportunity_problems(
    data: Any, path: str, config: PipelineConfig, locate: Locator = no_line
) -> list[Problem]:
    """Everything wrong with one opportunity file's parsed content."""
    return checked_opportunity(data, path, config, locate)[0]


def checked_opportunity(
    data: Any, path: str, config: PipelineConfig, locate: Locator = no_line
) -> tuple[list[Problem], str | None]:
    """:func:`opportunity_problems`, plus ``data`` as one line of JSON (None: not encodable).

    The JSON is what the finiteness check encodes anyway (``json.dumps`` with
    ``allow_nan=False``), so storage keeps it for ``list --json`` instead of
    making the JSON view and encoding it a second time per file.  It is None
    for data that is no mapping or holds a value JSON cannot (an infinity, a
    NaN, ``!!binary``): each of those is an error among the problems.
    """
    if not isinstance(data, Mapping):
        return [Problem(path, _("the file must hold a mapping of fields (key: value)"), 1)], None
    plain = jsonable(data)
    problems = _schema_problems(plain, path, OPPORTUNITY_SCHEMA, locate)

    def add(field: str, message: str, severity: Severity = "error", near: str = "") -> None:
        line = _line(locate, [near or field])
        problems.append(Problem(path, message, line, field, severity))

    encoded = _plain_json(plain)
    for field, message in () if encoded is not None else _unplain_values(plain, ""):
        add(field, message, near=field.split(".")[0])
    amount = data.get("amount")
    if _is_real(amount) and amount > MAX_AMOUNT:
        add("amount", _("is too large (at most {limit:,})").format(limit=MAX_AMOUNT))
    stem = path.rpartition("/")[2].removesuffix(".yaml")
    if isinstance(data.get("id"), str) and data["id"] != stem:
        add(
            "id",
            _("id {id!r} does not match the file name {stem!r}.yaml").format(
                id=data["id"], stem=stem
            ),
        )
    currency = data.get("currency")
    if is_other_currency(currency, config.currency) and not _named(problems, "currency"):
        add("currency", _currency_warning(str(currency), config.currency), "warning")
    facts = _facts(config)
    stage = data.get("stage")
    if isinstance(stage, str) and stage not in facts.stages:
        known = ", ".join(config.stage_names)
        add(
            "stage", _("unknown stage {stage!r} (stages: {known})").format(stage=stage, known=known)
        )
    _check_listed(data, "source", config.sources, add)
    if stage == facts.lost_stage:
        if not is_filled(data.get("lost_reason")):
            required = _("is required when the stage is {stage!r}").format(stage=stage)
            add("lost_reason", required, near="stage")
        else:
            _check_listed(data, "lost_reason", config.lost_reasons, add)
    problems.extend(conflict_problems(data, path, locate))
    owner = data.get("owner")
    if facts.team is not None and isinstance(owner, str) and owner not in facts.team:
        stranger = _("{owner!r} is not in the team list in pipeline.yaml").format(owner=owner)
        add("owner", stranger, "warning")
    return problems, encoded


def _named(problems: Sequence[Problem], field: str) -> bool:
    """Whether ``field`` already has a problem (the schema's error says enough)."""
    return any(p.field == field for p in problems)


def _currency_warning(code: str, pipeline_currency: str) -> str:
    """Why a deal in another currency (or in a code that is none) is summed as the pipeline's.

    A warning, not an error: the deal still counts, its amount as written
    (no rates to convert it with), and the reports say how many they summed.
    """
    if is_iso_code(code):
        message = _(
            "{code} differs from the pipeline's {currency}: its amount is summed as {currency}"
        )
        return message.format(code=code, currency=pipeline_currency)
    codes = suggested_codes(code)
    if codes:
        message = _(
            "{code} is not an ISO 4217 currency code (did you mean {codes}?): "
            "its amount is summed as {currency}"
        )
        return message.format(code=code, codes="/".join(codes), currency=pipeline_currency)
    message = _("{code} is not an ISO 4217 currency code: its amount is summed as {currency}")
    return message.format(code=code, currency=pipeline_currency)


def _currency_format(value: Any) -> str:
    """The schema's "three capital letters" error for a currency, with the code meant if known."""
    codes = suggested_codes(value) if isinstance(value, str) else ()
    if codes:
        message = _("{value!r} is not an ISO 4217 currency code (did you mean {codes}?)")
        return message.format(value=value, codes="/".join(codes))
    message = _("{value!r} is not an ISO 4217 currency code (three capital letters, e.g. USD)")
    return message.format(value=value)


class _ConfigFacts(NamedTuple):
    """What every file's check asks ``pipeline.yaml``, answered once per config."""

    stages: frozenset[str]
    lost_stage: str
    #: Who may own a deal; None without ``team:`` (then nobody is a stranger).
    team: frozenset[str] | None


#: The last config checked against and its facts.  Why: ``stage_names``,
#: ``lost_stage`` and ``team_names`` are computed on every call, three times
#: per file of a 10,000-file load; a config is frozen, so its facts are too.
_last_facts: tuple[PipelineConfig, _ConfigFacts] | None = None


def _facts(config: PipelineConfig) -> _ConfigFacts:
    """The :class:`_ConfigFacts` of ``config`` (remembered for the last config seen)."""
    global _last_facts
    last = _last_facts  # one read: another thread may replace it meanwhile
    if last is not None and last[0] is config:
        return last[1]
    team = frozenset(config.team_names) if config.team else None
    facts = _ConfigFacts(frozenset(config.stage_names), config.lost_stage, team)
    _last_facts = (config, facts)
    return facts


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
            detail = _("yours {ours!r}, theirs {theirs!r}").format(ours=ours, theirs=theirs)
        else:
            detail = _("both sides changed it")
        message = _(
            "conflicting edits to {field} ({detail}): run `pipeline resolve {opp_id} "
            "--ours`, `--theirs` or `--set {field}=VALUE`"
        ).format(field=field, detail=detail, opp_id=opp_id)
        line = _line(locate, ["conflicts", field])
        problems.append(Problem(path, message, line, f"conflicts.{field}"))
    return problems


def recorded_conflicts(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """The problems that are conflicts a merge recorded (made by :func:`conflict_problems`).

    The one test both ``pipeline sync`` and ``automate run`` apply before a
    push: commits carrying such a conflict stay off the remote until the
    person who saw it runs ``pipeline resolve``.
    """
    return tuple(
        p for p in problems if p.severity == "error" and (p.field or "").startswith("conflicts")
    )


def config_problems(data: Any, path: str, locate: Locator = no_line) -> list[Problem]:
    """Everything wrong with ``pipeline.yaml``."""
    if not isinstance(data, Mapping):
        return [Problem(path, _("pipeline.yaml must hold a mapping"), 1)]
    problems = schema_problems(data, path, CONFIG_SCHEMA, locate)
    if problems:
        return problems
    problems += _name_problems(data, path, locate)
    names = [s["name"] for s in data["stages"]]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problems.append(
                Problem(
                    path,
                    _("stage {name!r} is listed twice").format(name=name),
                    locate(["stages", index]),
                    "stages",
                )
            )
    if all(s.get("terminal") for s in data["stages"]):
        problems.append(
            Problem(path, _("at least one stage must be open (not terminal)"), None, "stages")
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
            _("{value!r} has a control character or surrounding spaces").format(value=value),
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
            _(
                "needs a won and a lost stage: two stages with `terminal: true`, the won one "
                "with the higher probability (e.g. {name: won, probability: 1.0, terminal: true} "
                "and {name: lost, probability: 0.0, terminal: true})"
            ),
            line,
            "stages",
        )
    ]


def _is_real(value: Any) -> TypeGuard[int | float]:
    """An int, or a finite float (infinity is reported once, as not finite)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _plain_json(plain: Any) -> str | None:
    """``plain`` as one line of JSON, or None when some value in it has no JSON form.

    JSON encoding with ``allow_nan=False`` refuses exactly what
    :func:`_unplain_values` reports (an infinity, a NaN, a ``!!binary`` or
    ``!!set`` value), so one call clears a valid file without walking it in
    Python, and its text is the record's JSON for ``list --json``.
    """
    try:
        return _ENCODER.encode(plain)
    except (ValueError, TypeError, RecursionError):
        return None


#: ``json.dumps(..., ensure_ascii=False, allow_nan=False)``, built once: with
#: arguments ``dumps`` builds a new encoder for every call (every file read).
#: Its ``encode`` keeps no state between calls (circular-reference marks are
#: made per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _unplain_values(value: Any, field: str) -> Iterator[tuple[str, str]]:
    """(field, message) for every value of :func:`jsonable` output JSON cannot hold, at any depth.

    Infinity and NaN cannot be summed, compared or written as JSON, and a
    ``!!binary`` or ``!!set`` value cannot be shown or exported, so a file
    holding one is a problem wherever the value is (not a crash later).
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            yield field, _("{value} is not a finite number").format(value=value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unplain_values(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unplain_values(item, f"{field}.{index}")
    elif not isinstance(value, str | int | None):
        kind = type(value).__name__
        yield field, _("a {kind} value has no plain form: write it as text").format(kind=kind)


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
        listed = ", ".join(allowed)
        message = _("{value!r} is not one of the configured {field}s: {listed}")
        add(field, message.format(value=value, field=field, listed=listed))


def _line(locate: Locator, key_path: Sequence[str | int]) -> int | None:
    """The line of the deepest key in ``key_path`` that exists in the file."""
    for depth in range(len(key_path), 0, -1):
        line = locate(key_path[:depth])
        if line is not None:
            return line
    return locate([])
