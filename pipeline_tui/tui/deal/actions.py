"""Deal actions: the form each one asks for, then its write, in a worker thread.

This is the TUI's one write path.  Every write goes through
:class:`~pipeline_tui.edits.workspace.Workspace` exactly as the CLI does, and
runs in a thread worker so the board keeps answering keys while git works:
a stale ``.git/index.lock`` makes git retry for many seconds before it
gives up, and that wait must not freeze the screen.  One write runs at a time
(a second key press while one is saving is refused with a notice), so each
action sees the record its predecessor wrote.

The owner (the board screen) creates one :class:`DealActions` with its
:class:`~pipeline_tui.tui.board.state.BoardState` and is told about each
committed change through ``written``; the app routes deal messages from any
screen here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from textual.screen import Screen

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.model import Opportunity, get_dotted
from pipeline_tui.edits.change import Change
from pipeline_tui.edits.committer import Committed
from pipeline_tui.edits.undo import UndoPlan
from pipeline_tui.i18n import _
from pipeline_tui.terminal_text import printable
from pipeline_tui.tui.board.state import BoardState
from pipeline_tui.tui.deal.fields import (
    changed_values,
    merged,
    owner_problems,
    preview_problems,
    record_specs,
    spec_for,
)
from pipeline_tui.tui.deal.forms import CloseForm, ConfirmForm, LogEntry, LogForm, RecordForm
from pipeline_tui.tui.messages import CloseDeal, DealMessage, EditDeal, LogDeal, MoveDeal

#: Told about each committed change; ``follow`` asks to move the cursor onto the deal.
Written = Callable[[Change, bool], None]
Job = Callable[[], Change]
Then = Callable[[Change], None]
T = TypeVar("T")


class DealActions:
    """Forms and writes for one board's data."""

    def __init__(
        self,
        host: Screen[Any],
        state: BoardState,
        written: Written,
        reload: Callable[[], None] = lambda: None,
    ) -> None:
        self.host = host
        self.state = state
        self.written = written
        self.reload = reload  # after an undo that removed a deal's file
        self.saving = False

    def handle(self, message: DealMessage) -> None:
        """Run the action a deal message asks for."""
        record = self._live(message.opp_id)
        if record is None:
            return
        if isinstance(message, EditDeal):
            self.edit(record)
        elif isinstance(message, LogDeal):
            self.log(record)
        elif isinstance(message, MoveDeal):
            self.move(record, message.step)
        elif isinstance(message, CloseDeal):
            self.close(record, message.outcome)

    def _live(self, opp_id: str) -> Opportunity | None:
        record = self.state.record(opp_id)
        if record is None:
            self.host.notify(_("This opportunity is no longer readable"), severity="warning")
        return record

    # ------------------------------------------------------------------ writes

    def write(self, job: Job, then: Then | None = None, follow: bool = False) -> None:
        """Run one Workspace write in a worker; show its commit or why it was refused."""
        self._start(
            partial(self._with_rules, job), partial(self._committed, then=then, follow=follow)
        )

    def _with_rules(self, job: Job) -> Change:
        """The write; if an event rule committed after it, the deal as it now stands."""
        workspace = self.state.workspace
        change = job()
        if not workspace.automation_log:
            return change
        return Change(workspace.get(change.record.id), change.commit, change.message)

    def _start(self, job: Callable[[], T], landed: Callable[[T], None]) -> None:
        if self.saving:
            self.host.notify(_("Still saving the previous change"), severity="warning")
            return
        self.saving = True
        self.host.run_worker(
            partial(self._run, job, landed), thread=True, group="write", name="write"
        )

    def _run(self, job: Callable[[], T], landed: Callable[[T], None]) -> None:
        """In the worker thread: the write itself; its answer goes back to the UI thread."""
        try:
            result = job()
        except PipelineError as exc:
            self.host.app.call_from_thread(self._refused, str(exc))
            return
        self.host.app.call_from_thread(landed, result)

    def _refused(self, reason: str) -> None:
        self.saving = False
        self.host.notify(reason, title=_("Not saved"), severity="error", timeout=8)

    def _committed(self, change: Change, then: Then | None, follow: bool) -> None:
        self.saving = False
        self.written(change, follow)
        self.host.notify(change.message.splitlines()[0], title=_("Committed"), timeout=3)
        self._automation_news()
        if then is not None:
            then(change)

    def _automation_news(self) -> None:
        """What the event rules did after the write (and what failed), as toasts."""
        workspace = self.state.workspace
        for line in workspace.automation_log:
            self.host.notify(line, title=_("Automation"), timeout=6)
        for line in workspace.automation_problems:
            self.host.notify(line, title=_("Automation problem"), severity="error", timeout=12)
        workspace.automation_log.clear()
        workspace.automation_problems.clear()

    # ------------------------------------------------------------------ undo

    def undo(self, opp_id: str | None) -> None:
        """Show what would be undone, and undo it (a revert commit) once confirmed."""
        workspace = self.state.workspace
        try:
            plan = workspace.undo_plan(opp_id)
        except PipelineError as exc:
            self.host.notify(str(exc), title=_("Nothing undone"), severity="warning", timeout=8)
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self._start(lambda: workspace.undo(plan), partial(self._undone, plan))

        text = plan.describe(workspace.store.relpath(plan.path))
        self.host.app.push_screen(ConfirmForm(_("Undo this change?"), text, _("Undo")), done)

    def _undone(self, plan: UndoPlan, done: Committed) -> None:
        self.saving = False
        if done.record is not None:
            self.written(Change(done.record, done.commit, plan.message), False)
        else:
            self.reload()
        self.host.notify(plan.message.splitlines()[0], title=_("Committed"), timeout=3)

    # ------------------------------------------------------------------ actions

    def new(self) -> None:
        """A new deal, in the entry stage unless another is picked.

        Owner and source come from the board's filter; with no owner filter the
        owner is the person at the keyboard (``Workspace.keyboard_owner``), and
        the currency is the pipeline's.
        """
        state = self.state
        config = state.config
        specs = record_specs(config, config.team_names or state.owners())
        entry = config.entry_stage.name
        preview_id = "new-deal"
        path = f"opportunities/{preview_id}.yaml"

        def base(values: dict[str, Any]) -> dict[str, Any]:
            start = {"id": preview_id, "stage": entry, "created": state.now()}
            return merged(start, {k: v for k, v in values.items() if v is not None})

        def check(values: dict[str, Any]) -> dict[str, str]:
            stage = values.get("stage") or entry
            problems = preview_problems(config, base(values), path, stage)
            return problems | owner_problems(config, values)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            fields = {k: v for k, v in values.items() if k not in ("title", "account")}
            fields = {k: v for k, v in fields.items() if v is not None}
            workspace = state.workspace
            title, account = values["title"], values["account"]
            self.write(lambda: workspace.create(title, account, fields), follow=True)

        owner = state.filter.owner or state.workspace.keyboard_owner()
        initial: dict[str, Any] = {
            "owner": owner,
            "source": state.filter.source,
            "stage": entry,
            "currency": config.currency,
        }
        heading = _("New opportunity in {stage}").format(stage=entry)
        self.host.app.push_screen(RecordForm(heading, specs, initial, check, _("Create")), done)

    def edit(self, record: Opportunity) -> None:
        """Every field in a form; only the fields that changed are committed.

        A new stage is a move, committed after the other changes (as ``pipeline
        move`` would, with the stage's ``requires`` checked as you type).
        """
        config = self.state.config
        specs = record_specs(config, config.team_names or self.state.owners(), record.data)
        initial = {spec.key: get_dotted(record.data, spec.key) for spec in specs}

        def check(values: dict[str, Any]) -> dict[str, str]:
            stage = values.get("stage")
            target = stage if stage and stage != record.stage else None
            problems = preview_problems(config, merged(record.data, values), record.path, target)
            return problems | owner_problems(config, values, record.owner)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            changes = changed_values(specs, record.data, values)
            target = changes.pop("stage", None)
            if not changes and not target:
                self.host.notify(_("Nothing changed"))
                return
            if not changes:
                self.move_to(record, str(target))
                return
            workspace = self.state.workspace
            then = (lambda saved: self.move_to(saved.record, str(target))) if target else None
            self.write(lambda: workspace.set_fields(record.id, changes), then=then)

        heading = _("Edit {title}").format(title=printable(record.title))
        self.host.app.push_screen(RecordForm(heading, specs, initial, check), done)

    def log(self, record: Opportunity) -> None:
        """An activity and its follow-up (a new next step, or the old one done): one commit."""

        def done(entry: LogEntry | None) -> None:
            if entry is not None:
                workspace = self.state.workspace
                self.write(
                    lambda: workspace.log(
                        record.id, entry.kind, entry.note, entry.at, entry.follow_up
                    )
                )

        form = LogForm(printable(record.title), record.next_step, self.state.now)
        self.host.app.push_screen(form, done)

    def close(self, record: Opportunity, outcome: str) -> None:
        def done(reason: str | None) -> None:
            if reason is not None:
                workspace = self.state.workspace
                self.write(lambda: workspace.close(record.id, outcome, reason or None))

        reasons = self.state.config.lost_reasons
        self.host.app.push_screen(CloseForm(printable(record.title), outcome, reasons), done)

    def move(self, record: Opportunity, step: int) -> None:
        target = self.state.move_target(record, step)
        if target is None:
            self.host.notify(
                _("No open stage further this way; close with w (won) or x (lost)"),
                severity="warning",
            )
            return
        self.move_to(record, target)

    def move_to(self, record: Opportunity, target: str) -> None:
        """Move, or first ask for the fields the target stage requires."""
        workspace = self.state.workspace
        missing = workspace.missing_for(record, target)
        if missing:
            self.ask_requirements(record, target, missing)
            return
        self.write(lambda: workspace.move(record.id, target), follow=True)

    def ask_requirements(self, record: Opportunity, target: str, missing: list[str]) -> None:
        """The target stage's missing fields: saved as one commit, then the move as another."""
        config = self.state.config
        specs = [spec_for(key, config) for key in missing]

        def check(values: dict[str, Any]) -> dict[str, str]:
            return preview_problems(config, merged(record.data, values), record.path, target)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            workspace = self.state.workspace
            self.write(
                lambda: workspace.set_fields(record.id, values),
                then=lambda filled: self.move_to(filled.record, target),
            )

        heading = _("Stage {stage} requires: {fields}").format(
            stage=target, fields=", ".join(missing)
        )
        explanation = _("Fill them in to move the deal (saved as one commit, then the move).")
        self.host.app.push_screen(
            RecordForm(heading, specs, {}, check, _("Save and move"), explanation), done
        )
