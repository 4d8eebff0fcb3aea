"""What one ``pipeline sync`` did, as values: the deals that came in, the counts, the summary.

:func:`~pipeline_tui.sync.exchange.sync` returns a :class:`SyncResult`; the
CLI prints its :meth:`~SyncResult.summary` or :meth:`~SyncResult.to_json`,
the TUI shows the same facts in its notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Problem, same_value
from pipeline_tui.i18n import _, ngettext, pgettext
from pipeline_tui.yaml.read import parse_fast

ChangeKind = Literal["new", "moved", "closed", "updated", "removed", "kept"]
#: Every kind, in the order the summary lists them.  ``kept``: a teammate
#: deleted the deal while you edited it, so the file stays, with a ``(file)``
#: conflict asking which side wins (saying "removed" would be untrue).
CHANGE_KINDS: tuple[ChangeKind, ...] = ("new", "moved", "closed", "updated", "removed", "kept")


@dataclass(frozen=True)
class DealChange:
    """What a teammate did to one deal, as seen in the commits that came in."""

    id: str
    title: str
    kind: ChangeKind
    stage_from: str | None = None
    stage_to: str | None = None
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind in ("moved", "closed"):
            return f"{self.title} ({self.id}): {self.stage_from} -> {self.stage_to}"
        if self.kind == "updated" and self.fields:
            return f"{self.title} ({self.id}): {', '.join(self.fields)}"
        return f"{self.title} ({self.id})"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "from": self.stage_from,
            "to": self.stage_to,
            "fields": list(self.fields),
        }


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync: what came in, what went out, what needs a decision."""

    remote: str
    url: str
    branch: str
    received: int
    sent: int
    pushed: bool
    attempts: int
    waited_seconds: float = 0.0
    unsent: int = 0
    incoming: tuple[DealChange, ...] = ()
    conflicts: tuple[Problem, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: Facts about the remote worth a line (its default branch, fixed or to fix).
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> Literal["up-to-date", "synced", "conflicts"]:
        if self.conflicts:
            return "conflicts"
        return "synced" if self.received or self.sent else "up-to-date"

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for change in self.incoming if change.kind == kind)

    def summary(self) -> str:
        """One short paragraph for people: what came in, what went out, what to do."""
        if self.status == "up-to-date":
            return _("Already up to date with {remote}.").format(remote=self.remote)
        received = _commits(self.received)
        if self.pushed:
            sent = _commits(self.sent)
            first = _("Synced with {remote}: received {received}, sent {sent}.").format(
                remote=self.remote, received=received, sent=sent
            )
        elif self.conflicts:
            held = ngettext("{n} local commit", "{n} local commits", self.unsent)
            first = _("Received {received} from {remote}; {held} not sent yet.").format(
                received=received, remote=self.remote, held=held.format(n=self.unsent)
            )
        else:
            first = _("Synced with {remote}: received {received}.").format(
                remote=self.remote, received=received
            )
        if self.attempts > 1:
            first += _(
                " ({attempts} attempts, {waited:.1f} s waited: "
                "teammates were pushing at the same time)"
            ).format(attempts=self.attempts, waited=self.waited_seconds)
        lines = [first]
        for kind in CHANGE_KINDS:
            changes = [c for c in self.incoming if c.kind == kind]
            if changes:
                shown = "; ".join(c.describe() for c in changes[:5])
                more = _("; and {n} more").format(n=len(changes) - 5) if len(changes) > 5 else ""
                label = {
                    "new": pgettext("sync", "new"),
                    "moved": pgettext("sync", "moved"),
                    "closed": pgettext("sync", "closed"),
                    "updated": pgettext("sync", "updated"),
                    "removed": pgettext("sync", "removed"),
                    "kept": pgettext("sync", "removed by a teammate but kept (you edited it)"),
                }[kind]
                line = _("  {n} {kind}: {shown}{more}")
                lines.append(line.format(n=len(changes), kind=label, shown=shown, more=more))
        if self.conflicts:
            lines.append(
                ngettext(
                    "{n} conflict to settle before your changes are sent "
                    "(then run `pipeline sync` again):",
                    "{n} conflicts to settle before your changes are sent "
                    "(then run `pipeline sync` again):",
                    len(self.conflicts),
                ).format(n=len(self.conflicts))
            )
            lines += [f"  {problem}" for problem in self.conflicts]
        if self.problems:
            n = len(self.problems)
            lines.append(
                ngettext("{n} file problem after sync:", "{n} file problems after sync:", n).format(
                    n=n
                )
            )
            lines += [f"  {problem}" for problem in self.problems]
        lines += list(self.notes)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "remote": self.remote,
            "url": self.url,
            "branch": self.branch,
            "received": self.received,
            "sent": self.sent,
            "unsent": self.unsent,
            "pushed": self.pushed,
            "attempts": self.attempts,
            "waited_seconds": round(self.waited_seconds, 3),
            "incoming": [c.to_json() for c in self.incoming],
            "counts": {k: self.count(k) for k in CHANGE_KINDS},
            "conflicts": [p.to_json() for p in self.conflicts],
            "problems": [p.to_json() for p in self.problems],
            "notes": list(self.notes),
        }


def deal_change(
    opp_id: str,
    status: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    config: PipelineConfig | None,
    kept: bool = False,
) -> DealChange:
    """How one deal changed between two commits; ``kept``: deleted there, still here."""
    title = str(new.get("title") or old.get("title") or opp_id)
    before, after = old.get("stage"), new.get("stage")
    if status == "A":
        return DealChange(opp_id, title, "new", None, _str(after))
    if status == "D":
        return DealChange(opp_id, title, "kept" if kept else "removed", _str(before), None)
    if before == after:
        fields = tuple(k for k in {**old, **new} if not same_value(old.get(k), new.get(k)))
        return DealChange(opp_id, title, "updated", _str(before), _str(after), fields)
    closed = config is not None and isinstance(after, str) and config.has_stage(after)
    closed = closed and config is not None and not config.is_open(str(after))
    return DealChange(opp_id, title, "closed" if closed else "moved", _str(before), _str(after))


def file_mapping(text: str | None) -> Mapping[str, Any]:
    if not text:
        return {}
    try:
        data = parse_fast(text)
    except Exception:  # a broken file still counts as a change; validate names it
        return {}
    return data if isinstance(data, Mapping) else {}


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _commits(count: int) -> str:
    return ngettext("{n} commit", "{n} commits", count).format(n=count)
