"""``pipeline resolve``: settle the conflicts a merge recorded in one deal, as one commit.

The merge driver leaves a deal with a ``conflicts:`` mapping naming, for each
field both teammates changed, both values.  Resolving picks a value per field
(yours, theirs, or a new one), removes the mapping and commits, through the
workspace's committer like every other edit (validated, written atomically,
undone if the commit fails).  A ``(file)``
conflict (deleted on one side, edited on the other) resolved to the deleting
side removes the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline_tui.core.errors import BadRequest, InvalidData
from pipeline_tui.core.model import Problem, jsonable
from pipeline_tui.edits.committer import PlannedChange
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.i18n import _
from pipeline_tui.sync.merge import (
    BLOCK_KEYS,
    CONFLICTS_KEY,
    DELETED,
    FILE_FIELD,
    pending_conflicts,
)
from pipeline_tui.yaml.edit import rewrite_to
from pipeline_tui.yaml.read import CONFLICT_MARKERS, parse_document

Side = Literal["ours", "theirs"]


@dataclass(frozen=True)
class Resolution:
    """What ``resolve`` did: the values chosen, and the commit that holds them."""

    id: str
    commit: str
    message: str
    chosen: dict[str, Any]
    deleted: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "commit": self.commit,
            "message": self.message,
            "chosen": jsonable(self.chosen),
            "deleted": self.deleted,
        }


def resolve(
    ws: Workspace, opp_id: str, side: Side | None = None, values: Mapping[str, Any] | None = None
) -> Resolution:
    """Pick ``side`` for every recorded conflict, ``values`` for the named fields.

    The file is read and rewritten under the writers' lock, so a write started
    meanwhile either lands before it is read or waits for the resolution.
    """
    with ws.transaction():
        return _resolve(ws, opp_id, side, dict(values or {}))


def _resolve(ws: Workspace, opp_id: str, side: Side | None, values: dict[str, Any]) -> Resolution:
    path = ws.store.existing_path(opp_id)
    old = path.read_bytes().decode("utf-8")  # CRLF and BOM kept (rewrite_to keeps them)
    data, problems = parse_document(old, ws.store.relpath(path))
    if problems or not isinstance(data, Mapping):
        raise InvalidData(_unreadable(ws, path, problems), [])
    pending = pending_conflicts(data)
    if not pending and not values:
        raise BadRequest(
            _("{opp_id} has no recorded conflicts: nothing to resolve").format(opp_id=opp_id)
        )
    chosen = _choose(opp_id, pending, side, values)
    deleted = chosen.get(FILE_FIELD) == DELETED
    target = _apply(data, {k: v for k, v in chosen.items() if k != FILE_FIELD})
    new = None if deleted else rewrite_to(old, target, BLOCK_KEYS)
    message = _message(opp_id, chosen, side, deleted)
    author = ws.committer.author(ws.author_name)
    done = ws.committer.commit(PlannedChange(path, old, new, message, author), ws.config)
    return Resolution(opp_id, done.commit, message, chosen, deleted)


def _unreadable(ws: Workspace, path: Path, problems: Sequence[Problem]) -> str:
    """Why resolve cannot help, and what will: markers mean git merged without the driver."""
    where = str(problems[0]) if problems else ws.store.relpath(path)
    if problems and problems[0].message == _(CONFLICT_MARKERS):
        return _(
            "{where}: git merged this file line by line, without pipeline's merge driver. "
            "Undo that merge (`git merge --abort` or `git rebase --abort`), run "
            "`pipeline doctor --fix` once, then `pipeline sync`"
        ).format(where=where)
    return _("{where}: fix this file by hand, then run `pipeline validate`").format(where=where)


def _choose(
    opp_id: str,
    pending: Mapping[str, Mapping[str, Any]],
    side: Side | None,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """The value for every conflicted field (and every ``--set`` one)."""
    chosen: dict[str, Any] = dict(values)
    undecided = []
    for field, sides in pending.items():
        if field in values:
            continue
        if side is None:
            undecided.append(field)
        else:
            chosen[field] = sides.get(side)
    if undecided:
        options = " ".join(f"--set {f}=VALUE" for f in undecided if f != FILE_FIELD)
        message = _(
            "{opp_id}: still undecided: {fields}; add --ours (keep yours), "
            "--theirs (keep your teammate's)"
        ).format(opp_id=opp_id, fields=", ".join(undecided))
        raise BadRequest(message + (_(" or {options}").format(options=options) if options else ""))
    if FILE_FIELD in values and values[FILE_FIELD] not in (DELETED, "edited"):
        raise BadRequest(
            _("{FILE_FIELD} can only be set to 'deleted' or 'edited'").format(FILE_FIELD=FILE_FIELD)
        )
    return chosen


def _apply(data: Mapping[str, Any], chosen: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without its conflicts, with each chosen value set (None removes the key)."""
    target: dict[str, Any] = {k: v for k, v in data.items() if k != CONFLICTS_KEY}
    for key, value in chosen.items():
        node = target
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            node[part] = child = dict(child) if isinstance(child, Mapping) else {}
            node = child
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return target


def _message(opp_id: str, chosen: Mapping[str, Any], side: Side | None, deleted: bool) -> str:
    if deleted:
        return f"{opp_id}: resolved conflict: deleted, as a teammate did"
    fields = ", ".join(k for k in chosen if k != FILE_FIELD) or "file kept"
    how = {"ours": " (kept yours)", "theirs": " (took theirs)"}.get(side or "", "")
    return f"{opp_id}: resolved conflict in {fields}{how}"
