"""The one clock: what "now" is for commits, days in stage, staleness and reports.

Every part of the program asks :func:`now` instead of ``datetime.now`` so a
test, a demo or a reproducible report can stop time in one place: set
:data:`ENV` (``PIPELINE_NOW=2026-11-20T15:30:00+00:00``) for a whole process,
or use :func:`frozen` inside one.  Naive values are read as UTC.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from pipeline_tui.i18n import _

#: Environment variable that fixes the clock for a whole process (ISO date or datetime).
ENV = "PIPELINE_NOW"

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, aware, in whole seconds (git author dates have no fractions)."""
    if _frozen is not None:
        return _frozen
    fixed = os.environ.get(ENV)
    if fixed:
        return _parse(fixed)
    return datetime.now(UTC).replace(microsecond=0)


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Inside the block :func:`now` answers ``at`` (made aware, whole seconds)."""
    global _frozen
    previous = _frozen
    _frozen = _aware(at)
    try:
        yield _frozen
    finally:
        _frozen = previous


def _parse(text: str) -> datetime:
    try:
        return _aware(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(
            _("{ENV}={text!r} is not an ISO date or datetime").format(ENV=ENV, text=text)
        ) from None


def _aware(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).replace(microsecond=0)
