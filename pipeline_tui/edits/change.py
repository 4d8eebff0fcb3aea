"""What a write takes and gives: its change, the automations' follow-ups, a logged step's plan.

Plain values shared by :class:`~pipeline_tui.edits.workspace.Workspace`, the
automation engine that answers :class:`Automations`, and the two front ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pipeline_tui.core.model import Opportunity


@dataclass(frozen=True)
class Change:
    """What a write did: the record as it now stands and the commit that holds it."""

    record: Opportunity
    commit: str
    message: str


@dataclass(frozen=True)
class FollowUp:
    """Field changes an automation asks for after a write, committed right after it.

    ``assignments`` are dotted keys (None removes), as
    :meth:`~pipeline_tui.edits.workspace.Workspace.set_fields` takes them;
    ``deliver`` runs once they are committed (notifications, commands) and
    returns one more follow-up to commit (its own bookkeeping, such as what
    to retry, with a message saying what failed), or None.
    """

    opp_id: str
    assignments: Mapping[str, Any]
    message: str
    deliver: Callable[[], FollowUp | None] | None = None
    #: What the front end prints of it, in the interface language (the
    #: message is the commit's, English like every commit); None: the message.
    text: str | None = None


class Automations(Protocol):
    """What the workspace calls after every write it commits (event rules).

    Defined here, implemented in ``pipeline_tui.automation`` (a layer above),
    and wired in by the front ends, so every write path runs the same rules.
    """

    def after_change(
        self, before: str | None, after: Opportunity, at: datetime | None = None
    ) -> Sequence[FollowUp]:
        """The follow-ups this change calls for (may be empty); ``at`` is the write's date.

        ``before`` is the file's text before the write (None for a new deal):
        text, not parsed fields, because most rules need only the old stage
        and a full parse of a deal with activities costs tens of milliseconds.
        """
        ...


AUTOMATION_AUTHOR = "pipeline automation"


@dataclass(frozen=True)
class StepPlan:
    """What logging an activity does to the deal's next step.

    ``done`` completes the current one; ``action`` and/or ``due`` set the
    next (a ``due`` alone keeps the current action: a reschedule).  Both
    together complete the old step and schedule the new one.
    """

    action: str | None = None
    due: date | None = None
    done: bool = False

    def next_step(self, record: Opportunity) -> dict[str, Any] | None:
        """The ``next_step`` mapping the deal gets (None: it has none any more)."""
        action = self.action.strip() if self.action else None
        if action is None and self.due is None:
            return None
        if action is None and not self.done and record.next_step is not None:
            action = record.next_step.action
        step: dict[str, Any] = {}
        if self.due is not None:
            step["due"] = self.due
        if action:
            step["action"] = action
        return step

    def done_note(self, record: Opportunity) -> str:
        """The note of a bare "it is done" (``log ID --done``); empty if nothing was due."""
        old = record.next_step.action if record.next_step else None
        return f"Done: {old}" if self.done and old else ""

    def describe(
        self, record: Opportunity, step: Mapping[str, Any] | None, mention_done: bool = True
    ) -> str:
        """The commit message's tail: what was done (unless the note says it) and what is next."""
        old = record.next_step.action if record.next_step else None
        parts = [f"done: {short_text(old, 40)}"] if self.done and old and mention_done else []
        if step:
            due = step.get("due")
            what = short_text(str(step.get("action") or "(no action)"), 40)
            parts.append(f"next: {what}" + (f" (due {due.isoformat()})" if due else ""))
        elif not self.done:
            parts.append("next step cleared")
        return "".join(f"; {part}" for part in parts)


def short_text(text: str, limit: int = 50) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
