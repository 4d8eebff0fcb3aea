"""A pipeline repository opened for work: every user-facing write lives here.

The CLI and the TUI both call these methods, so a card dragged on the board
and ``pipeline move`` produce the same file and the same commit.  Each write
takes the writers' lock, renders the edit in round-trip mode from the file as
it now stands, checks the stage rules, and hands the new text to the
workspace's :class:`~pipeline_tui.edits.committer.Committer`, which validates,
writes and commits it (and undoes the write if the commit fails).
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from ruamel.yaml.comments import CommentedMap

from pipeline_tui.core.clock import now
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.errors import BadRequest, RepoError, RequirementsMissing, Unchanged
from pipeline_tui.core.model import (
    KNOWN_FIELDS,
    Opportunity,
    Pipeline,
    get_dotted,
    jsonable,
    to_datetime,
)
from pipeline_tui.core.validation import missing_requirements
from pipeline_tui.edits.committer import Committed, Committer, LiveCommitter, PlannedChange
from pipeline_tui.edits.undo import UndoPlan, UndoRefused, find_change, plan_undo
from pipeline_tui.git.repo import Author, GitRepo
from pipeline_tui.storage.files import find_root
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.edit import append_item, set_dotted

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_PROTECTED = {"id": "the id is the file name; create a new opportunity instead"}


@dataclass(frozen=True)
class Change:
    """What a write did: the record as it now stands and the commit that holds it."""

    record: Opportunity
    commit: str
    message: str


def new_id(title: str) -> str:
    """A slug of the title plus a random suffix, so offline teammates never collide."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40].strip("-")
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(4))
    return f"{slug or 'deal'}-{suffix}"


P = ParamSpec("P")
R = TypeVar("R")


def _writes(
    method: Callable[Concatenate[Workspace, P], R],
) -> Callable[Concatenate[Workspace, P], R]:
    """Run a write method inside :meth:`Workspace.transaction`."""

    def wrapper(self: Workspace, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.transaction():
            return method(self, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


class Workspace:
    """A pipeline repo: reading through :class:`Store`, writing through a :class:`Committer`.

    The committer is the live one (git commits in this repository) unless
    another is given, such as the demo's, which replays a story into history.
    """

    def __init__(
        self,
        root: Path | None = None,
        author_name: str | None = None,
        committer: Committer | None = None,
    ) -> None:
        self.store = Store(find_root(root) if root is None else _checked_root(root))
        self.author_name = author_name
        self._committer = committer
        self._lock_depth = 0
        self._written: dict[str, Opportunity] = {}  # only with an exclusive committer

    @property
    def root(self) -> Path:
        return self.store.root

    @cached_property
    def git(self) -> GitRepo:
        return GitRepo(self.root)

    @cached_property
    def committer(self) -> Committer:
        return self._committer or LiveCommitter(self.store, self.git)

    @cached_property
    def config(self) -> PipelineConfig:
        return self.store.load_config()

    def load(self) -> Pipeline:
        return self.store.load(self.config)

    def get(self, opp_id: str) -> Opportunity:
        return self._written.get(opp_id) or self.store.get(opp_id, self.config)

    # ----------------------------------------------------------------- writes

    @_writes
    def create(
        self,
        title: str,
        account: str,
        fields: Mapping[str, Any] | None = None,
        opp_id: str | None = None,
        at: datetime | None = None,
    ) -> Change:
        """A new opportunity in the entry stage (or ``fields['stage']``)."""
        fields = dict(fields or {})
        opp_id = opp_id or new_id(title)
        path = self.store.opportunity_path(opp_id)
        if path.exists():
            raise BadRequest(f"opportunity {opp_id!r} already exists ({self.store.relpath(path)})")
        stage = str(fields.pop("stage", None) or self.config.entry_stage.name)
        _check_when(at, None)
        base: dict[str, Any] = {
            "id": opp_id,
            "title": title,
            "account": account,
            "stage": stage,
            "created": fields.pop("created", None) or at or now(),
        }
        merged = _ordered({**base, **_nest(fields)})
        self._check_requires(merged, stage)
        text = self.store.render_new(merged)
        return self._commit_text(path, None, text, f"{opp_id}: created in {stage}", at)

    @_writes
    def set_fields(
        self, opp_id: str, assignments: Mapping[str, Any], at: datetime | None = None
    ) -> Change:
        """Set (or, with ``None``, remove) fields; dotted keys reach nested ones."""
        if not assignments:
            raise BadRequest("nothing to set: give key=value pairs")
        for key in assignments:
            root_key = key.split(".")[0]
            if root_key in _PROTECTED:
                raise BadRequest(f"cannot set {key!r}: {_PROTECTED[root_key]}")
            if root_key == "stage":
                raise BadRequest("use `pipeline move ID STAGE` to change the stage")
        before = self.store.read_mapping(opp_id)  # may be invalid: `set` is how it is repaired
        _check_when(at, before.get("created"))

        def mutate(tree: CommentedMap) -> None:
            for key, value in assignments.items():
                set_dotted(tree, key, value)

        summary = "; ".join(
            _describe(key, get_dotted(before, key), value) for key, value in assignments.items()
        )
        return self._edit(opp_id, mutate, f"{opp_id}: {summary}", at)

    @_writes
    def move(
        self, opp_id: str, stage: str, at: datetime | None = None, note: str | None = None
    ) -> Change:
        """Change the stage, enforcing the target stage's ``requires``."""
        target = self.config.stage(stage)
        before = self.get(opp_id)
        if before.stage == target.name:
            raise BadRequest(f"{opp_id} is already in stage {stage!r}")
        _check_when(at, before.created)
        self._check_requires(before.data, target.name)
        when = at or now()

        def mutate(tree: CommentedMap) -> None:
            tree["stage"] = target.name
            if note:
                append_item(tree, "activities", self._activity("note", note, when))

        message = f"{opp_id}: stage {before.stage} -> {target.name}"
        return self._edit(opp_id, mutate, message + (f"\n\n{note}" if note else ""), at)

    @_writes
    def log(self, opp_id: str, kind: str, note: str, at: datetime | None = None) -> Change:
        """Append an activity (call, email, meeting or note)."""
        _check_when(at, self.get(opp_id).created)
        when = at or now()

        def mutate(tree: CommentedMap) -> None:
            append_item(tree, "activities", self._activity(kind, note, when))

        return self._edit(opp_id, mutate, f"{opp_id}: logged {kind}: {_short(note)}", at)

    @_writes
    def close(
        self, opp_id: str, outcome: str, reason: str | None, at: datetime | None = None
    ) -> Change:
        """Close as won or lost; lost needs a reason from the configured list."""
        stage = self.config.won_stage if outcome == "won" else self.config.lost_stage
        before = self.get(opp_id)
        if before.stage == stage:
            raise BadRequest(f"{opp_id} is already {outcome}")
        _check_when(at, before.created)
        if outcome == "lost" and not reason:
            reasons = ", ".join(self.config.lost_reasons)
            raise BadRequest(f"closing as lost needs --reason (one of: {reasons})")
        self._check_requires({**before.data, f"{outcome}_reason": reason}, stage)
        reason_key = "lost_reason" if outcome == "lost" else "won_reason"
        stale_key = "won_reason" if outcome == "lost" else "lost_reason"

        def mutate(tree: CommentedMap) -> None:
            tree["stage"] = stage
            set_dotted(tree, stale_key, None)  # a reopened deal's old outcome no longer holds
            if reason:
                set_dotted(tree, reason_key, reason)

        detail = f" ({reason})" if reason else ""
        message = f"{opp_id}: stage {before.stage} -> {stage}{detail}"
        return self._edit(opp_id, mutate, message, at)

    @_writes
    def assign(self, opp_id: str, owner: str, at: datetime | None = None) -> Change:
        """Give the deal to ``owner`` (a name from the team list, ideally)."""
        owner = owner.strip()
        if not owner:
            raise BadRequest("the new owner's name is empty")
        before = self.get(opp_id)
        _check_when(at, before.created)
        if before.owner == owner:
            raise BadRequest(f"{opp_id} is already owned by {owner}")

        def mutate(tree: CommentedMap) -> None:
            set_dotted(tree, "owner", owner)

        return self._edit(opp_id, mutate, f"{opp_id}: owner {before.owner} -> {owner}", at)

    # ----------------------------------------------------------------- undo

    def undo_plan(self, opp_id: str | None = None) -> UndoPlan:
        """What :meth:`undo` would do: the last change from this clone, or to ``opp_id``."""
        rel = None
        if opp_id is not None:
            rel = self.store.relpath(self.store.opportunity_path(opp_id))
        change = find_change(self.root, rel, self._author())
        return plan_undo(self.root, change)

    @_writes
    def undo(self, plan: UndoPlan) -> Committed:
        """Commit ``plan`` (from :meth:`undo_plan`): a new commit, never a rewrite.

        Planned again under the writers' lock, so a change that landed since
        the plan was shown is never lost: the undo is refused instead.
        """
        current = plan_undo(
            self.root, find_change(self.root, self.store.relpath(plan.path), self._author())
        )
        if current.commit != plan.commit or current.old != plan.old:
            raise UndoRefused(
                f"{self.store.relpath(plan.path)} changed since the undo was shown; look again"
            )
        change = PlannedChange(plan.path, plan.old, plan.new, plan.message, self._author(), now())
        return self.committer.commit(change, self.config)

    # ----------------------------------------------------------------- internals

    def missing_for(self, record: Opportunity, stage: str) -> list[str]:
        """Fields the stage requires that ``record`` leaves empty (for the TUI's prompt)."""
        return missing_requirements(record.data, self.config.stage(stage))

    def _check_requires(self, data: Mapping[str, Any], stage: str) -> None:
        missing = missing_requirements(data, self.config.stage(stage))
        if missing:
            raise RequirementsMissing(stage, missing)

    def _activity(self, kind: str, note: str, when: datetime) -> dict[str, Any]:
        return {"at": when, "kind": kind, "by": self._author().name, "note": note}

    def _author(self) -> Author:
        return self.committer.author(self.author_name)

    def _edit(
        self,
        opp_id: str,
        mutate: Callable[[CommentedMap], None],
        message: str,
        at: datetime | None,
    ) -> Change:
        path = self.store.opportunity_path(opp_id)
        old, new = self.store.render_edit(path, mutate)
        return self._commit_text(path, old, new, message, at)

    def _commit_text(
        self, path: Path, old: str | None, new: str, message: str, at: datetime | None
    ) -> Change:
        """Hand the new text to the committer; a change that changes nothing is refused."""
        if old == new:
            raise Unchanged(f"nothing changed: {self.store.relpath(path)} already says so")
        planned = PlannedChange(path, old, new, message, self._author(), at or now())
        done = self.committer.commit(planned, self.config)
        assert done.record is not None  # only a deletion has no record
        if self.committer.exclusive:
            self._written[done.record.id] = done.record
        return Change(done.record, done.commit, message)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the committer for a whole read-check-write-commit (re-entrant).

        Reading the file inside it is what makes two writers started at the
        same moment both land instead of one overwriting the other.
        """
        with ExitStack() as stack:
            if self._lock_depth == 0:
                self._author()  # fail early, before anything is written
                stack.enter_context(self.committer.hold())
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1


def _check_when(at: datetime | None, created: Any) -> None:
    """Refuse an ``--at`` in the future or before the deal existed (a typo'd year)."""
    if at is None:
        return
    if at > now() + timedelta(minutes=5):
        raise BadRequest(f"--at {at.isoformat()} is in the future")
    if created is not None and at < to_datetime(created):
        raise BadRequest(
            f"--at {at.isoformat()} is before the deal was created "
            f"({to_datetime(created).isoformat()})"
        )


def _checked_root(root: Path) -> Path:
    if not (root / CONFIG_FILE).is_file():
        raise RepoError(f"{root} has no {CONFIG_FILE}: run `pipeline init {root}` first")
    return root.resolve()


def _nest(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``{"contact.email": x}`` to ``{"contact": {"email": x}}``."""
    result: dict[str, Any] = {}
    for key, value in fields.items():
        node = result
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise BadRequest(f"{key!r}: {part!r} is a plain value, not a group of fields")
        if value is not None:
            node[last] = value
    return result


def _ordered(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields in the documented order, custom fields after them."""
    known = {k: fields[k] for k in KNOWN_FIELDS if k in fields}
    return {**known, **{k: v for k, v in fields.items() if k not in known}}


def _describe(key: str, old: Any, new: Any) -> str:
    def show(value: Any) -> str:
        return "(none)" if value is None else _short(str(jsonable(value)), 30)

    return f"{key} {show(old)} -> {show(new)}"


def _short(text: str, limit: int = 50) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
