"""Reading and checking one deal file: the record, its problems, its JSON.

The one path every load takes per file (:class:`~.store.Store`, the forked
reader of :mod:`.beside`, ``--as-of``, the merge driver and the pre-commit
hook check texts the same way), kept apart from the folder walk and caches.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Problem
from pipeline_tui.core.validation import checked_opportunity, config_problems, opportunity_problems
from pipeline_tui.i18n import N_, _
from pipeline_tui.yaml.read import CONFLICT_MARKERS, decode, line_locator, parse_document


def check_opportunity_text(
    text: str, path: str, config: PipelineConfig
) -> tuple[Opportunity | None, list[Problem]]:
    """Parse and validate one opportunity's text; the record only if it has no errors."""
    record, problems, _json = checked_opportunity_text(text, path, config)
    return record, problems


class Checked(NamedTuple):
    """One file's check: the record (None if it has errors), its problems, its data as JSON."""

    record: Opportunity | None
    problems: list[Problem]
    #: The record's data as one line of JSON (dates as ISO text, like ``--json``
    #: output); ``"null"`` without a record.
    json: str


def checked_opportunity_text(text: str, path: str, config: PipelineConfig) -> Checked:
    """:func:`check_opportunity_text`, plus the record's JSON made by the same check."""
    data, problems = parse_document(text, path)
    if problems:
        return Checked(None, problems, "null")
    problems, encoded = checked_opportunity(data, path, config)
    if problems:  # re-check with line numbers; the fast path found something
        problems = opportunity_problems(data, path, config, line_locator(text))
    if encoded is None or any(p.severity == "error" for p in problems):
        return Checked(None, problems, "null")
    return Checked(Opportunity.from_mapping(data, path), problems, encoded)


def config_text_problems(raw: bytes, path: str) -> list[Problem]:
    text, problems = decode(raw, path)
    if text is None:
        return problems
    data, problems = parse_document(text, path)
    if problems:
        return [_config_hint(problem) for problem in problems]
    problems = config_problems(data, path)
    return config_problems(data, path, line_locator(text)) if problems else []


#: Conflict markers in pipeline.yaml: ``pipeline resolve`` settles deals only.
CONFIG_CONFLICT_MARKERS = N_(
    "unresolved merge conflict markers: keep the lines you want, delete the "
    "<<<<<<< ======= >>>>>>> lines, then commit pipeline.yaml"
)


def _config_hint(problem: Problem) -> Problem:
    """A problem of pipeline.yaml with the hint that can fix it (resolve cannot)."""
    if problem.message != _(CONFLICT_MARKERS):
        return problem
    return replace(problem, message=_(CONFIG_CONFLICT_MARKERS))


def read_bytes(file: str | Path) -> bytes:
    """A whole file, with four system calls and no file object (a cold load reads 10,000)."""
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def from_cache(kept: tuple[Any, ...]) -> Checked:
    """A parse-cache value as a check (its problems a list of the caller's own)."""
    record, problems, text = kept
    return Checked(record, list(problems), text)


def read_checked(file: str | Path, rel: str, config: PipelineConfig) -> Checked:
    """Read, decode and check one file (``rel``: its path as problems name it).

    A path string is enough (a load passes its directory entries' paths):
    building a ``Path`` per file cost a tenth of a cold load, and
    :func:`read_bytes` skips the buffered file object.
    """
    try:
        raw = read_bytes(file)
    except OSError as exc:
        message = _("cannot read: {strerror}").format(strerror=exc.strerror)
        return Checked(None, [Problem(rel, message)], "null")
    text, problems = decode(raw, rel)
    if text is None:
        return Checked(None, problems, "null")
    return checked_opportunity_text(text, rel, config)


def read_job(job: tuple[str, str, PipelineConfig]) -> tuple[Any, ...]:
    """One file a forked reader checks, (path, path as problems name it, config).

    As the parse cache keeps it: :class:`.beside.Beside` pickles all of them
    with the cache's record classes, so the parent reads them back quickly.
    """
    return tuple(read_checked(*job))
