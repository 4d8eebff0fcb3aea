"""Data hygiene: likely duplicates, missing entry criteria, values outside the configured lists."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import combinations
from operator import attrgetter
from pathlib import PurePosixPath
from typing import Any

from rapidfuzz import fuzz, process, utils

from pipeline_tui.core.model import Opportunity, Pipeline, get_dotted, is_filled
from pipeline_tui.reports.metrics.lifecycle import Timelines, account_key, open_records
from pipeline_tui.reports.metrics.window import Window

#: rapidfuzz ``ratio`` (0-100) at or above which two titles on one account are "the same".
TITLE_SIMILARITY = 90.0
_LISTED_FIELDS = ("source", "lost_reason", "owner", "stage")


def hygiene(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, Any]:
    """The three lists a weekly data clean-up works through (window does not apply)."""
    records = open_records(pipeline)
    return {
        "duplicates": likely_duplicates(records),
        "missing_required": missing_required(pipeline, records),
        "unknown_values": unknown_values(pipeline),
    }


def likely_duplicates(records: Sequence[Opportunity]) -> list[list[str]]:
    """Pairs of open deals on the same account with near-identical titles, or sharing an email.

    Titles are compared with rapidfuzz's normalized ratio (case and
    punctuation ignored); only open deals are compared, because a won deal
    and next year's renewal on the same account are not duplicates.
    """
    pairs: set[tuple[str, str]] = set()
    for group in _groups(records, lambda r: account_key(r.account)):
        titles = [utils.default_process(r.title) for r in group]
        for i, title in enumerate(titles[:-1]):
            matches = process.extract(
                title,
                titles[i + 1 :],
                scorer=fuzz.ratio,
                score_cutoff=TITLE_SIMILARITY,
                limit=None,
            )
            pairs.update(_pair(group[i].id, group[i + 1 + j].id) for _t, _s, j in matches)
    for group in _email_groups(records):
        pairs.update(_pair(a.id, b.id) for a, b in combinations(group, 2))
    return [list(pair) for pair in sorted(pairs)]


def missing_required(pipeline: Pipeline, records: Iterable[Opportunity]) -> list[dict[str, Any]]:
    """Open deals missing a field that their stage, or a stage before it, requires to enter."""
    needed: dict[str, list[str]] = {}
    so_far: list[str] = []
    for stage in pipeline.config.stages:
        so_far = so_far + [f for f in stage.requires if f not in so_far]
        needed[stage.name] = so_far
    result = []
    for record in records:
        fields = needed.get(record.stage)
        if not fields:
            continue
        data = record.data
        missing = [
            f for f in fields if not is_filled(data.get(f) if "." not in f else get_dotted(data, f))
        ]
        if missing:
            result.append({"id": record.id, "stage": record.stage, "fields": missing})
    return result


def unknown_values(pipeline: Pipeline) -> list[dict[str, Any]]:
    """Sources, lost reasons, owners and stages that are not in pipeline.yaml's lists.

    Files whose value is outside a list fail validation and are not loaded,
    so those come from the load problems; owners outside the team are only a
    warning and come from the records themselves.
    """
    config = pipeline.config
    found: dict[tuple[str, str], Any] = {}
    lists = (
        ("source", attrgetter("source"), frozenset(config.sources)),
        ("lost_reason", attrgetter("lost_reason"), frozenset(config.lost_reasons)),
        ("owner", attrgetter("owner"), frozenset(config.team)),
    )
    for name, value_of, allowed in lists:
        if not allowed:  # an empty list allows anything
            continue
        for record in pipeline.opportunities:
            value = value_of(record)
            if value is not None and value not in allowed:
                found[(record.id, name)] = value
    for problem in pipeline.problems:
        # "'webinar' is not one of ...": the messages naming an unlisted value quote it first
        if problem.field in _LISTED_FIELDS and problem.message[:1] in ("'", '"'):
            opp_id = PurePosixPath(problem.path).name.removesuffix(".yaml")
            found.setdefault((opp_id, problem.field), _quoted_value(problem.message))
    return [{"id": i, "field": f, "value": v} for (i, f), v in sorted(found.items(), key=_first)]


def _first(item: tuple[tuple[str, str], Any]) -> tuple[str, str]:
    return item[0]  # keys are unique: never compare the values (they may not be comparable)


def _groups(records: Sequence[Opportunity], key: Any) -> Iterable[list[Opportunity]]:
    buckets: dict[str, list[Opportunity]] = {}
    for record in records:
        value = key(record)
        if value:
            bucket = buckets.get(value)
            if bucket is None:
                buckets[value] = [record]
            else:
                bucket.append(record)
    return (group for group in buckets.values() if len(group) > 1)


def _email_groups(records: Sequence[Opportunity]) -> Iterable[list[Opportunity]]:
    """:func:`_groups` by contact email (trimmed, case folded), inline.

    Why inline: nearly every deal has an email of its own, so this makes
    100,000 buckets at 100,000 deals, and a key function per record was a
    third of the duplicate search.
    """
    buckets: dict[str, list[Opportunity]] = {}
    for record in records:
        value = record.contact.get("email")  # ``contact`` is ``data["contact"]`` (or {})
        if not isinstance(value, str):
            continue
        value = value.strip()
        if value:
            key = value.casefold()
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [record]
            else:
                bucket.append(record)
    return (group for group in buckets.values() if len(group) > 1)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _quoted_value(message: str) -> Any:
    """The value a validation message quotes first (``'webinar' is not one of ...``)."""
    start = message.find("'")
    end = message.find("'", start + 1)
    if start < 0 or end < 0:
        return None
    try:
        return ast.literal_eval(message[start : end + 1])
    except (ValueError, SyntaxError):
        return None
