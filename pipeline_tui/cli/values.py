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
from datetime import UTC, date, datetime
from typing import Any

import click
from ruamel.yaml.error import YAMLError

from pipeline_tui.core.clock import now
from pipeline_tui.core.dates import EXPECTED, parse_instant, relative_date
from pipeline_tui.i18n import _
from pipeline_tui.yaml.read import parse_fast


def parse_when(value: str | None) -> datetime | None:
    """``--at``, ``--since``, ``--as-of``: ISO, or a relative day with an optional time.

    See :func:`pipeline_tui.core.dates.parse_instant` (naive values are the
    local time zone; ``--at yesterday`` is a day ago).
    """
    if value is None:
        return None
    year = value.strip()[:4]
    if year.isdigit() and not GIT_FIRST.year <= int(year) <= GIT_LAST.year:
        raise click.BadParameter(_outside_git(value))  # before a far date overflows a zone
    try:
        parsed = parse_instant(value, now().astimezone())
    except (ValueError, OverflowError) as exc:
        raise click.BadParameter(str(exc)) from None
    if not GIT_FIRST.year <= parsed.year <= GIT_LAST.year:
        raise click.BadParameter(_outside_git(value))
    parsed = parsed if parsed.tzinfo else parsed.astimezone()
    if not GIT_FIRST <= parsed <= GIT_LAST:
        raise click.BadParameter(_outside_git(value))
    return parsed


#: The moments git can record as a commit date (it refuses the rest, or
#: silently stores another year): the file and ``git log`` must agree.
GIT_FIRST = datetime(1970, 1, 1, tzinfo=UTC)
GIT_LAST = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)


def _outside_git(value: str) -> str:
    return (
        f"{value!r} is outside the dates git can record: "
        f"{GIT_FIRST:%Y-%m-%d} to {GIT_LAST:%Y-%m-%d} (UTC)"
    )


def parse_day(value: str | None) -> date | None:
    """``--due``: a calendar day, ISO or relative (``+3d``, ``next monday``, ``明天``)."""
    if value is None:
        return None
    day = relative_date(value, now().astimezone().date())
    if day is None:
        raise click.BadParameter(
            _("{value!r} is not {EXPECTED}").format(value=value, EXPECTED=_(EXPECTED))
        )
    return day


def parse_assignments(pairs: Iterable[str]) -> dict[str, Any]:
    """``key=value`` pairs; see :func:`parse_scalar` for the values."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key or "" in key.split("."):
            raise click.BadParameter(
                _("{pair!r}: expected key=value").format(pair=pair), param_hint="key=value"
            )
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
        raise ValueError(_("not a finite number"))
    if (
        isinstance(value, list)
        and text.startswith("[")
        and not any(isinstance(v, dict | list) for v in value)
    ):
        return value
    if isinstance(value, bool | int | float | date):
        return value
    return raw
