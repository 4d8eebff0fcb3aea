"""Three-way merge of one opportunity, field by field, for teams syncing through git.

Git's line-based merge sees two people editing neighbouring lines of a YAML
file as a conflict and writes ``<<<<<<<`` markers a founder cannot read.  An
opportunity is a mapping of fields, so we merge it as one: against the common
ancestor, a field changed on one side takes that change; changed on both sides
to the same value is fine; changed to different values is a *conflict*.
Activities are a log, so both sides' new entries are kept, in time order,
without duplicates; an entry is known by its ``at`` and ``by``, so an edit of
one (a corrected note) merges as an edit, and two different edits of one are
a conflict on ``activities``.

A conflict never silently picks a side.  The merged file keeps "ours" in place
and records both values under ``conflicts:``; validation reports every entry as
an error until ``pipeline resolve`` picks one.  "Ours" always means the local
user's version (during a rebase git swaps the sides; :func:`merge_files` is told
so and swaps them back).

The field-wise merge (:func:`merge_fields`) is pure; :func:`merge_texts` applies
it to the file text in round-trip mode through :func:`pipeline_tui.yaml.edit.rewrite_to`, so
comments and layout survive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pipeline_tui.core.errors import InvalidData
from pipeline_tui.core.model import same_value, to_datetime
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.yaml.edit import rewrite_to
from pipeline_tui.yaml.read import parse_fast

CONFLICTS_KEY: Final = "conflicts"
ACTIVITIES_KEY: Final = "activities"
#: The pseudo-field recording "deleted on one side, edited on the other".
FILE_FIELD: Final = "(file)"
DELETED: Final = "deleted"
EDITED: Final = "edited"

#: Top-level keys written in block style when a merge adds them.
BLOCK_KEYS: Final = (ACTIVITIES_KEY, CONFLICTS_KEY)


class _Missing:
    """The value of a key a mapping does not have (distinct from ``null``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class FieldConflict:
    """One field both sides changed to different values (``MISSING`` = removed)."""

    field: str
    base: Any
    ours: Any
    theirs: Any


@dataclass(frozen=True)
class MergeResult:
    """The merged mapping (ours in place where in conflict) and the conflicts."""

    merged: dict[str, Any]
    conflicts: tuple[FieldConflict, ...]


# --------------------------------------------------------------------------- pure merge


def merge_fields(
    base: Mapping[str, Any], ours: Mapping[str, Any], theirs: Mapping[str, Any]
) -> MergeResult:
    """Field-wise three-way merge; nested mappings (``contact``) merge per key."""
    conflicts: list[FieldConflict] = []
    merged = _merge_map(base, ours, theirs, "", conflicts)
    return MergeResult(merged, tuple(conflicts))


def _merge_map(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    prefix: str,
    conflicts: list[FieldConflict],
) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in _key_order(base, ours, theirs):
        b, o, t = base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING)
        value = _merge_value(prefix + key, b, o, t, conflicts)
        if value is not MISSING:
            merged[key] = value
    return merged


def _merge_value(field: str, b: Any, o: Any, t: Any, conflicts: list[FieldConflict]) -> Any:
    if same_value(o, t) or same_value(t, b):
        return o
    if same_value(o, b):
        return t
    if field == ACTIVITIES_KEY and all(isinstance(v, list) or v is MISSING for v in (b, o, t)):
        mine, yours = merge_activity_sides(_as_list(b), _as_list(o), _as_list(t))
        if not same_value(mine, yours):  # an activity both changed: both whole logs recorded
            conflicts.append(FieldConflict(field, b, mine, yours))
        return mine
    if (
        isinstance(o, Mapping)
        and isinstance(t, Mapping)
        and (isinstance(b, Mapping) or b is MISSING)
    ):
        return _merge_map(b if isinstance(b, Mapping) else {}, o, t, field + ".", conflicts)
    conflicts.append(FieldConflict(field, b, o, t))
    return o


def merge_activities(base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any]:
    """Both sides' entries, in time order, one per activity; ours where both edited one.

    See :func:`merge_activity_sides`, whose first list this is.
    """
    return merge_activity_sides(base, ours, theirs)[0]


#: An activity's identity: the moment it happened and who logged it.
ActivityKey = tuple[datetime, str | None]


def merge_activity_sides(
    base: list[Any], ours: list[Any], theirs: list[Any]
) -> tuple[list[Any], list[Any]]:
    """The merged activity log with ours' and with theirs' version of each disputed entry.

    An activity is known by its ``at`` and ``by`` (:func:`_activity_key`), not
    by its whole value, so a teammate correcting a call's ``note`` edits that
    call instead of adding a second one.  Per activity, against the ancestor:
    changed on one side takes that change, its fields merge one by one, and
    changed differently on both sides (or deleted on one, edited on the other)
    is disputed: the two lists differ there, and the caller records a conflict.
    An entry one side deleted and the other left alone stays deleted; new
    entries on either side are all kept, in time order.  Entries without a
    readable ``at``, or whose identity is not unique in some version, are
    compared by their whole value, as before identities.
    """
    shared: set[ActivityKey] = set()  # identities that name two entries of one version
    for items in (base, ours, theirs):
        seen: set[ActivityKey] = set()
        for key in map(_activity_key, items):
            if key is not None:
                (shared if key in seen else seen).add(key)

    def identity(item: Any) -> ActivityKey | None:
        key = _activity_key(item)
        return None if key in shared else key

    by_key = [{identity(i): i for i in side if identity(i) is not None} for side in (ours, theirs)]
    settled: dict[ActivityKey, tuple[Any, Any]] = {}
    for item in base:
        key = identity(item)
        if key is not None:
            o, t = (found.get(key, MISSING) for found in by_key)
            settled[key] = _merge_activity(item, o, t)
    loose_base = [item for item in base if identity(item) is None]
    removed = [i for i in loose_base if not _contains(ours, i) or not _contains(theirs, i)]
    mine: list[Any] = []
    yours: list[Any] = []
    done: set[ActivityKey] = set()
    for item in [*ours, *theirs]:
        key = identity(item)
        if key is not None and key in settled:
            if key not in done:
                done.add(key)
                o, t = settled[key]
                mine += [] if o is MISSING else [o]
                yours += [] if t is MISSING else [t]
        elif not _contains(mine, item) and not _contains(removed, item):
            mine.append(item)
            yours.append(item)
    return _time_ordered(mine), _time_ordered(yours)


def _merge_activity(b: Any, o: Any, t: Any) -> tuple[Any, Any]:
    """One activity's (ours, theirs) after the merge: equal unless both changed it."""
    if same_value(o, t) or same_value(t, b):
        return o, o
    if same_value(o, b):
        return t, t
    if isinstance(b, Mapping) and isinstance(o, Mapping) and isinstance(t, Mapping):
        clashes: list[FieldConflict] = []
        merged = _merge_map(b, o, t, "", clashes)
        if not clashes:
            return merged, merged
    return o, t


def _activity_key(item: Any) -> ActivityKey | None:
    """``(at, by)``: two touches logged by one person at one instant are one activity."""
    when = _activity_time(item)
    if when is None:
        return None
    by = item.get("by")
    return when, None if by is None else str(by)


def _time_ordered(items: list[Any]) -> list[Any]:
    """Stable sort by ``at``; entries without a usable time stay after their predecessor."""
    keyed: list[tuple[datetime | None, int, Any]] = []
    last: datetime | None = None
    for index, item in enumerate(items):
        when = _activity_time(item)
        last = when if when is not None else last
        keyed.append((last, index, item))
    floor = datetime.min.replace(tzinfo=UTC)
    keyed.sort(key=lambda entry: (entry[0] or floor, entry[1]))
    return [item for _, _, item in keyed]


def _activity_time(item: Any) -> datetime | None:
    if not isinstance(item, Mapping) or item.get("at") is None:
        return None
    try:
        return to_datetime(item["at"])
    except (TypeError, ValueError):
        return None


def _contains(items: Sequence[Any], item: Any) -> bool:
    return any(same_value(candidate, item) for candidate in items)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _key_order(*mappings: Mapping[str, Any]) -> list[str]:
    """Ours' order first (it is the file being rewritten), then keys new on their side."""
    base, ours, theirs = mappings
    order = list(ours)
    order += [k for k in theirs if k not in ours]
    order += [k for k in base if k not in ours and k not in theirs]
    return order


# --------------------------------------------------------------------------- recorded conflicts


def record_conflicts(
    merged: Mapping[str, Any], conflicts: Sequence[FieldConflict]
) -> dict[str, Any]:
    """``merged`` plus a ``conflicts:`` entry per field: both values, and the ancestor's."""
    if not conflicts:
        return dict(merged)
    previous = merged.get(CONFLICTS_KEY)
    entries: dict[str, Any] = dict(previous) if isinstance(previous, Mapping) else {}
    for conflict in conflicts:
        # copies: a value shared with the merged fields would be written as a YAML alias
        entry = {
            "ours": deepcopy(_plain(conflict.ours)),
            "theirs": deepcopy(_plain(conflict.theirs)),
        }
        if conflict.base is not MISSING:
            entry["base"] = deepcopy(conflict.base)
        entries[conflict.field] = entry
    return {**merged, CONFLICTS_KEY: entries}


def file_conflict(data: Mapping[str, Any], ours_deleted: bool) -> dict[str, Any]:
    """``data`` (the edited side, kept) marked as deleted on the other side."""
    ours, theirs = (DELETED, EDITED) if ours_deleted else (EDITED, DELETED)
    return record_conflicts(data, [FieldConflict(FILE_FIELD, MISSING, ours, theirs)])


def pending_conflicts(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The recorded conflicts of a parsed file: field -> {ours, theirs[, base]}."""
    entries = data.get(CONFLICTS_KEY)
    if not isinstance(entries, Mapping):
        return {}
    return {str(k): v for k, v in entries.items() if isinstance(v, Mapping)}


def _plain(value: Any) -> Any:
    """``MISSING`` is written as ``null``: resolving to it removes the field."""
    return None if value is MISSING else value


# --------------------------------------------------------------------------- texts and files


@dataclass(frozen=True)
class TextMerge:
    text: str
    conflicts: tuple[FieldConflict, ...]


class Unmergeable(ValueError):
    """One side is not a YAML mapping; git must be told the merge failed."""


def merge_texts(base: str, ours: str, theirs: str) -> TextMerge:
    """Merge three versions of a file; the result keeps ``ours``' comments and layout."""
    parsed = [
        _parse_mapping(text, name)
        for text, name in ((base, "base"), (ours, "ours"), (theirs, "theirs"))
    ]
    result = merge_fields(*parsed)
    target = record_conflicts(result.merged, result.conflicts)
    try:
        return TextMerge(rewrite_to(ours, target, BLOCK_KEYS), result.conflicts)
    except InvalidData as exc:
        raise Unmergeable(str(exc)) from exc


def _parse_mapping(text: str, side: str) -> Mapping[str, Any]:
    if not text.strip():
        return {}  # add/add: git passes an empty ancestor
    try:
        data = parse_fast(text)
    except Exception as exc:  # any YAML error: the driver reports, never raises to git
        raise Unmergeable(f"{side} version is not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise Unmergeable(f"{side} version is not a mapping of fields")
    return data


def merge_files(base: Path, current: Path, other: Path, rebasing: bool) -> TextMerge:
    """The merge driver's work: merge into ``current`` (git's ``%A``) in place.

    During a rebase git's ``%A`` is the upstream and ``%B`` the local commit
    being replayed, so ``rebasing`` swaps them: "ours" stays the local user.
    Raises :class:`Unmergeable` and leaves ``current`` untouched if a side
    cannot be parsed.
    """
    # bytes decoded as they are: CRLF line ends and a BOM reach rewrite_to, which keeps them
    texts = [p.read_bytes().decode("utf-8") for p in (base, current, other)]
    base_text, upstream, incoming = texts
    ours, theirs = (incoming, upstream) if rebasing else (upstream, incoming)
    result = merge_texts(base_text, ours, theirs)
    atomic_write(current, result.text)
    return result


def mark_deleted_conflict(text: str, ours_deleted: bool) -> str:
    """The surviving version of a file one side deleted and the other edited.

    Keeping the edit loses nothing; the ``(file)`` conflict entry makes
    ``validate`` ask whether the deal should go (``resolve`` with the side
    that deleted it removes the file).
    """
    data = _parse_mapping(text, "kept")
    try:
        return rewrite_to(text, file_conflict(data, ours_deleted), BLOCK_KEYS)
    except InvalidData as exc:
        raise Unmergeable(str(exc)) from exc
