"""What command-line arguments mean: typed ``key=value`` values and ``--at``/``--as-of`` instants.

Every command parses its arguments here, so ``pipeline new ... amount=5``,
``pipeline set ID amount=5`` and ``pipeline resolve ID amount=5`` read ``5``
the same way, and every ``--at``, ``--as-of``, ``--since``, ``--due`` reads
dates alike: ISO, or relative (``yesterday 15:30``, ``+3d``, ``next monday``,
``明天``; see :mod:`pipeline_tui.core.dates`, shared with the TUI's forms).
Errors are :class:`click.BadParameter`, which Click reports as a usage error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

import click
from ruamel.yaml.error import YAMLError

from pipeline_tui.core.clock import now
from pipeline_tui.core.dates import EXPECTED, relative_date, split_time
from pipeline_tui.yaml.read import parse_fast


def parse_when(value: str | None) -> datetime | None:
    """``--at``: an ISO date or datetime, or a relative day with an optional time.

    Naive values are the local time zone.  A relative day without a time
    (``--at yesterday``) keeps the current time of day, so "yesterday" is a
    day ago rather than last midnight; an ISO date alone means its midnight.
    """
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _relative_when(value)
    if len(value) == 10:
        parsed = datetime.combine(date.fromisoformat(value), time(0, 0))
    return parsed if parsed.tzinfo else parsed.astimezone()


def _relative_when(value: str) -> datetime:
    current = now().astimezone()
    day_text, clock_time = split_time(value)
    day = relative_date(day_text, current.date()) if day_text.strip() else current.date()
    if day is None:
        raise click.BadParameter(
            f"{value!r} is not an ISO date or datetime (e.g. 2026-11-20T15:30), "
            f"nor {EXPECTED}, optionally with a time (yesterday 15:30)"
        )
    at = clock_time or current.time().replace(microsecond=0)
    return datetime.combine(day, at, tzinfo=current.tzinfo)


def parse_day(value: str | None) -> date | None:
    """``--due``: a calendar day, ISO or relative (``+3d``, ``next monday``, ``明天``)."""
    if value is None:
        return None
    day = relative_date(value, now().astimezone().date())
    if day is None:
        raise click.BadParameter(f"{value!r} is not {EXPECTED}")
    return day


def parse_assignments(pairs: Iterable[str]) -> dict[str, Any]:
    """``key=value`` pairs; see :func:`parse_scalar` for the values."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key or "" in key.split("."):
            raise click.BadParameter(f"{pair!r}: expected key=value", param_hint="key=value")
        try:
            result[key] = parse_scalar(raw)
        except ValueError as exc:
            raise click.BadParameter(f"{pair!r}: {exc}", param_hint="key=value") from None
    return result


def parse_scalar(raw: str) -> Any:
    """A value typed on the command line: numbers, dates, booleans and ``[a, b]`` lists
    are YAML; everything else is kept verbatim as text.

    Reading ``#2 follow-up`` or ``Re: renewal`` as YAML would cut a comment or
    make a mapping, so only values YAML reads as a plain scalar (or a flow
    list when written with brackets) are typed.  Empty or ``null`` unsets.
    """
    text = raw.strip()
    if not text or text in ("null", "~"):
        return None
    try:
        value = parse_fast(text)
    except YAMLError:
        return raw
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    if (
        isinstance(value, list)
        and text.startswith("[")
        and not any(isinstance(v, dict | list) for v in value)
    ):
        return value
    if isinstance(value, bool | int | float | date):
        return value
    return raw
