"""A pipeline repository opened for work: every user-facing write lives here.

The CLI and the TUI both call these methods, so a card dragged on the board
and ``pipeline move`` produce the same file and the same commit.  Each write
takes the writers' lock, renders the edit in round-trip mode from the file as
it now stands, checks the stage rules, and hands the new text to the
workspace's :class:`~pipeline_tui.edits.committer.Committer`, which validates,
writes and commits it (and undoes the write if the commit fails).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from ruamel.yaml.comments import CommentedMap

from pipeline_tui.core.clock import now
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.errors import (
    BadRequest,
    PipelineError,
    RepoError,
    RequirementsMissing,
    Unchanged,
)
from pipeline_tui.core.model import (
    KNOWN_FIELDS,
    Opportunity,
    Pipeline,
    get_dotted,
    jsonable,
    to_datetime,
)
from pipeline_tui.core.validation import missing_requirements
from pipeline_tui.edits.change import (
    AUTOMATION_AUTHOR,
    Automations,
    Change,
    FollowUp,
    StepPlan,
    short_text,
)
from pipeline_tui.edits.committer import (
    Committed,
    Committer,
    ConfigEdit,
    LiveCommitter,
    PlannedChange,
)
from pipeline_tui.edits.ids import check_author_name, new_id
from pipeline_tui.edits.undo import UndoPlan, UndoRefused, find_change, plan_undo
from pipeline_tui.git.commits import follow_up_message
from pipeline_tui.git.repo import Author, GitRepo
from pipeline_tui.i18n import N_, _
from pipeline_tui.storage.files import open_root
from pipeline_tui.storage.store import LoadProgress, Store
from pipeline_tui.yaml.edit import append_item, edit_block, put_team_member, set_dotted

_PROTECTED = {"id": N_("the id is the file name; create a new opportunity instead")}


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
        self.store = Store(open_root(root))
        self.author_name = author_name
        self._committer = committer
        self._lock_depth = 0
        self._written: dict[str, Opportunity] = {}  # only with an exclusive committer
        #: Event rules run after each write (the front ends add them).
        self.automations: list[Automations] = []
        #: What the automations committed, and what went wrong, for the front end to show.
        self.automation_log: list[str] = []
        self.automation_problems: list[str] = []
        self._following_up = False

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

    def load(self, progress: LoadProgress | None = None) -> Pipeline:
        return self.store.load(self.config, progress)

    def get(self, opp_id: str) -> Opportunity:
        return self._written.get(opp_id) or self.store.get(opp_id, self.config)

    def keyboard_owner(self) -> str | None:
        """Who is at the keyboard, as a ``team`` name (``--as``, else git's user.name).

        None when git does not know who you are or nobody in the team matches.
        """
        if self.author_name:
            return self.config.member_for(self.author_name)
        try:
            author = self._author()
        except RepoError:
            return None
        return self.config.member_for(author.name, author.email)

    # ----------------------------------------------------------------- writes

    @_writes
    def create(
        self,
        title: str,
        account: str,
        fields: Mapping[str, Any] | None = None,
        opp_id: str | None = None,
        at: datetime | None = None,
        new_owner: bool = False,
    ) -> Change:
        """A new opportunity in the entry stage (or ``fields['stage']``).

        ``new_owner`` adds an owner outside ``team:`` to it, in the same commit
        (:meth:`team_edit`); checking the owner is the front end's job
        (:meth:`PipelineConfig.check_owner`), as importers map owners their own way.
        """
        fields = dict(fields or {})
        opp_id = opp_id or new_id(title)
        path = self.store.opportunity_path(opp_id)
        taken = self.store.find_path(opp_id)  # also a hand-placed file elsewhere
        if taken is not None:
            raise BadRequest(
                _("opportunity {opp_id!r} already exists ({relpath})").format(
                    opp_id=opp_id, relpath=self.store.relpath(taken)
                )
            )
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
        team = self.team_edit(merged.get("owner"), new_owner)
        message = f"{opp_id}: created in {stage}" + _team_note(merged.get("owner"), team)
        return self._commit_text(path, None, text, message, at, config=team)

    @_writes
    def set_fields(
        self,
        opp_id: str,
        assignments: Mapping[str, Any],
        at: datetime | None = None,
        new_owner: bool = False,
    ) -> Change:
        """Set (or, with ``None``, remove) fields; dotted keys reach nested ones.

        ``new_owner``: an ``owner`` outside ``team:`` joins it in the same commit.
        """
        if not assignments:
            raise BadRequest(_("nothing to set: give key=value pairs"))
        for key in assignments:
            root_key = key.split(".")[0]
            if root_key in _PROTECTED:
                raise BadRequest(
                    _("cannot set {key!r}: {PROTECTED}").format(
                        key=key, PROTECTED=_(_PROTECTED[root_key])
                    )
                )
            if root_key == "stage":
                raise BadRequest(_("use `pipeline move ID STAGE` to change the stage"))
        before = self.store.read_mapping(opp_id)  # may be invalid: `set` is how it is repaired
        _check_when(at, before.get("created"))

        def mutate(tree: CommentedMap) -> None:
            for key, value in assignments.items():
                set_dotted(tree, key, value)

        summary = "; ".join(
            _describe(key, get_dotted(before, key), value) for key, value in assignments.items()
        )
        owner = assignments.get("owner")
        team = self.team_edit(owner, new_owner)
        message = f"{opp_id}: {summary}" + _team_note(owner, team)
        return self._edit(opp_id, mutate, message, at, team)

    @_writes
    def move(
        self, opp_id: str, stage: str, at: datetime | None = None, note: str | None = None
    ) -> Change:
        """Change the stage, enforcing the target stage's ``requires``."""
        target = self.config.stage(self.config.resolve_stage(stage))
        before = self.get(opp_id)
        if before.stage == target.name:
            raise BadRequest(
                _("{opp_id} is already in stage {stage!r}").format(opp_id=opp_id, stage=stage)
            )
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
    def log(
        self,
        opp_id: str,
        kind: str,
        note: str,
        at: datetime | None = None,
        follow_up: StepPlan | None = None,
    ) -> Change:
        """Append an activity (call, email, meeting or note), and schedule what comes next.

        With ``follow_up`` the same commit also completes the current next
        step (``done``), replaces it (``action``/``due``) or reschedules it
        (``due`` alone): a call and the follow-up it leads to are one change.
        """
        before = self.get(opp_id)
        _check_when(at, before.created)
        when = at or now()
        step = follow_up.next_step(before) if follow_up else None
        said = note.strip()
        note = said or (follow_up.done_note(before) if follow_up else "")
        if not note:
            raise BadRequest(_("say what happened: a note is needed"))

        def mutate(tree: CommentedMap) -> None:
            append_item(tree, "activities", self._activity(kind, note, when))
            if follow_up is not None:
                _replace_next_step(tree, step)

        message = f"{opp_id}: logged {kind}: {short_text(note)}"
        if follow_up is not None:
            message += follow_up.describe(before, step, mention_done=bool(said))
        return self._edit(opp_id, mutate, message, at)

    @_writes
    def close(
        self, opp_id: str, outcome: str, reason: str | None, at: datetime | None = None
    ) -> Change:
        """Close as won or lost; lost needs a reason from the configured list."""
        stage = self.config.won_stage if outcome == "won" else self.config.lost_stage
        before = self.get(opp_id)
        if before.stage == stage:
            raise BadRequest(
                _("{opp_id} is already {outcome}").format(opp_id=opp_id, outcome=outcome)
            )
        _check_when(at, before.created)
        if outcome == "lost" and not reason:
            reasons = ", ".join(self.config.lost_reasons)
            raise BadRequest(
                _("closing as lost needs --reason (one of: {reasons})").format(reasons=reasons)
            )
        reason_key = "lost_reason" if outcome == "lost" else "won_reason"
        if reason:  # a label (value_labels:) names its value: --reason 无预算 writes no-budget
            reason = self.config.resolve_value(reason_key, reason)
        self._check_requires({**before.data, f"{outcome}_reason": reason}, stage)
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
    def assign(
        self, opp_id: str, owner: str, at: datetime | None = None, new_owner: bool = False
    ) -> Change:
        """Give the deal to ``owner``; ``new_owner`` adds them to ``team:`` in the same commit."""
        owner = owner.strip()
        if not owner:
            raise BadRequest(_("the new owner's name is empty"))
        before = self.get(opp_id)
        _check_when(at, before.created)
        if before.owner == owner:
            raise BadRequest(
                _("{opp_id} is already owned by {owner}").format(opp_id=opp_id, owner=owner)
            )

        def mutate(tree: CommentedMap) -> None:
            set_dotted(tree, "owner", owner)

        team = self.team_edit(owner, new_owner)
        message = f"{opp_id}: {_describe('owner', before.owner, owner)}" + _team_note(owner, team)
        return self._edit(opp_id, mutate, message, at, team)

    def team_edit(self, owner: Any, new_owner: bool) -> ConfigEdit | None:
        """``pipeline.yaml`` with ``owner`` added to ``team:``, when asked and needed.

        Nothing when the owner is already in the team, or when there is no
        ``team:`` at all: a first member would start refusing every other
        owner, which ``--new-owner`` must not do behind the user's back.
        Round-trip edited, so the file's comments and order stay.
        """
        if not new_owner or not isinstance(owner, str) or not owner.strip():
            return None
        if not self.config.team or owner in self.config.team_names:
            return None

        def mutate(tree: CommentedMap) -> None:
            put_team_member(tree, owner, {})

        with self.store.config_path.open(encoding="utf-8", newline="") as handle:
            old = handle.read()
        return ConfigEdit(old, edit_block(old, "team", mutate, CONFIG_FILE))

    # ----------------------------------------------------------------- undo

    def undo_plan(self, opp_id: str | None = None) -> UndoPlan:
        """What :meth:`undo` would do: the last change from this clone, or to ``opp_id``."""
        rel = None
        if opp_id is not None:  # where the file is now, also filed by hand in another folder
            path = self.store.find_path(opp_id) or self.store.opportunity_path(opp_id)
            rel = self.store.relpath(path)
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
        if (current.commit, current.follow_ups, current.old) != (
            plan.commit,
            plan.follow_ups,
            plan.old,
        ):
            raise UndoRefused(
                _("{path} changed since the undo was shown; look again").format(
                    path=self.store.relpath(plan.path)
                )
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
        if self.author_name is not None:
            check_author_name(self.author_name)
        return self.committer.author(self.author_name)

    def _edit(
        self,
        opp_id: str,
        mutate: Callable[[CommentedMap], None],
        message: str,
        at: datetime | None,
        config: ConfigEdit | None = None,
    ) -> Change:
        path = self.store.existing_path(opp_id)  # wherever it is under opportunities/
        old, new = self.store.render_edit(path, mutate)
        return self._commit_text(path, old, new, message, at, config=config)

    def _commit_text(
        self,
        path: Path,
        old: str | None,
        new: str,
        message: str,
        at: datetime | None,
        author: Author | None = None,
        config: ConfigEdit | None = None,
    ) -> Change:
        """Hand the new text to the committer; a change that changes nothing is refused."""
        if old == new:
            raise Unchanged(
                _("nothing changed: {relpath} already says so").format(
                    relpath=self.store.relpath(path)
                )
            )
        planned = PlannedChange(
            path, old, new, message, author or self._author(), at or now(), config
        )
        done = self.committer.commit(planned, self.config)
        if config is not None:
            self.__dict__.pop("config", None)  # the team just grew: read pipeline.yaml again
        assert done.record is not None  # only a deletion has no record
        if self.committer.exclusive:
            self._written[done.record.id] = done.record
        if self.automations and not self._following_up:
            self.run_event_rules(old, done.record, at, done.commit)
        return Change(done.record, done.commit, message)

    # ----------------------------------------------------------------- automations

    def run_event_rules(
        self,
        old: str | None,
        record: Opportunity,
        at: datetime | None = None,
        follows: str | None = None,
    ) -> None:
        """Event rules for a write just committed: their changes in the next commit(s).

        Every write of this workspace calls it; an import calls it for the
        open deals it created (``old`` None: "a deal created").  Nothing here
        may undo or block the write, which is already committed: a follow-up
        that fails is reported, never raised.  ``follows`` is the write's
        commit, named in each follow-up's message so ``pipeline undo`` undoes
        the write and what the rules did because of it together.
        """
        self._following_up = True
        try:
            for automations in self.automations:
                try:
                    for follow_up in automations.after_change(old, record, at):
                        self.apply_follow_up(follow_up, at, follows)
                except (PipelineError, OSError) as exc:
                    self.automation_problems.append(f"{record.id}: {exc}")
        finally:
            self._following_up = False

    def apply_follow_up(
        self, follow_up: FollowUp, at: datetime | None = None, follows: str | None = None
    ) -> Change | None:
        """Commit an automation's changes as the automation, then deliver what it sends.

        Used for event rules (after a write) and by ``pipeline automate run``.
        Returns the commit, or None when the change could not be made (reported
        in :attr:`automation_problems`).
        """
        with self.transaction():
            was, self._following_up = self._following_up, True
            try:
                change = self._commit_follow_up(
                    follow_up.opp_id,
                    follow_up.assignments,
                    follow_up.message,
                    at,
                    follows,
                    follow_up.text,
                )
                if follow_up.deliver is not None:
                    more = follow_up.deliver()
                    if more is not None:
                        self._commit_follow_up(
                            more.opp_id, more.assignments, more.message, at, follows, more.text
                        )
                return change
            finally:
                self._following_up = was

    def _commit_follow_up(
        self,
        opp_id: str,
        assignments: Mapping[str, Any],
        message: str,
        at: datetime | None,
        follows: str | None = None,
        text: str | None = None,
    ) -> Change | None:
        if not assignments:
            return None
        full = message if follows is None else follow_up_message(message, follows)
        author = Author(AUTOMATION_AUTHOR, self._author().email)

        def mutate(tree: CommentedMap) -> None:
            for key, value in assignments.items():
                set_dotted(tree, key, value)

        try:
            path = self.store.existing_path(opp_id)  # also a deal filed by hand elsewhere
            old, new = self.store.render_edit(path, mutate)
            change = self._commit_text(path, old, new, full, at, author)
        except Unchanged:
            return None
        except (PipelineError, OSError) as exc:  # the write it follows is committed: report
            self.automation_problems.append(f"{opp_id}: {message.splitlines()[0]}: {exc}")
            return None
        self.automation_log.append(text or message.splitlines()[0])
        return change

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


def check_not_future(at: datetime | None, option: str = "--at") -> None:
    """Refuse an instant after now (a typo'd year): a write's ``--at``, ``automate run --now``.

    A commit dated in the future would count days in stage from it; rules
    evaluated in the future send escalations that are not due and record
    the firing, which then suppresses the real one.  Five minutes of grace
    for a clock a little ahead of this one.
    """
    if at is not None and at > now() + timedelta(minutes=5):
        raise BadRequest(
            _("{option} {isoformat} is in the future").format(
                option=option, isoformat=at.isoformat()
            )
        )


def _check_when(at: datetime | None, created: Any) -> None:
    """Refuse an ``--at`` in the future or before the deal existed (a typo'd year)."""
    if at is None:
        return
    check_not_future(at)
    if created is not None and at < to_datetime(created):
        raise BadRequest(
            _("--at {isoformat} is before the deal was created ({isoformat2})").format(
                isoformat=at.isoformat(), isoformat2=to_datetime(created).isoformat()
            )
        )


def _replace_next_step(tree: CommentedMap, step: Mapping[str, Any] | None) -> None:
    """Set ``next_step`` key by key, so its place in the file and its comments stay."""
    if step is None or not isinstance(tree.get("next_step"), CommentedMap):
        set_dotted(tree, "next_step", None)
    for key in ("due", "action"):
        if step is not None:
            set_dotted(tree, f"next_step.{key}", step.get(key))


def _nest(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``{"contact.email": x}`` to ``{"contact": {"email": x}}``."""
    result: dict[str, Any] = {}
    for key, value in fields.items():
        node = result
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise BadRequest(
                    _("{key!r}: {part!r} is a plain value, not a group of fields").format(
                        key=key, part=part
                    )
                )
        if value is not None:
            node[last] = value
    return result


def _ordered(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields in the documented order, custom fields after them."""
    known = {k: fields[k] for k in KNOWN_FIELDS if k in fields}
    return {**known, **{k: v for k, v in fields.items() if k not in known}}


def _team_note(owner: Any, team: ConfigEdit | None) -> str:
    """The commit message's tail when the owner joins the team in the same commit."""
    return f"; {owner} added to the team" if team is not None else ""


def _describe(key: str, old: Any, new: Any) -> str:
    def show(value: Any) -> str:
        return "(none)" if value is None else short_text(str(jsonable(value)), 30)

    return f"{key} {show(old)} -> {show(new)}"
