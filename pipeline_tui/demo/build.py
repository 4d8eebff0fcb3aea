"""The demo pipeline: replay the bundled sample's dated events into a fresh git repo.

``sample_repo/`` holds a ``pipeline.yaml`` and ``events.yaml``, the history of a
small sales team's half year (see ``sample_repo/README.md``).  Replaying the
events through :class:`~pipeline_tui.edits.workspace.Workspace`, each with its own
date and author, gives a repository whose commits look as if the team had used
the tool live, so stage durations, activity and "as of" reports have real
history to work on.

Speed: a plain replay runs two git processes per event (about 10 s for the
sample).  :class:`_Replay` keeps every write going through the same rendering
and validation as a live edit but collects the commits and hands them to git
in a single ``fast-import`` run, and reuses each validated record instead of
re-reading the file it just wrote.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline_tui.core.bundled import data_dir
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.errors import BadRequest, InvalidData, PipelineError
from pipeline_tui.core.model import Opportunity, to_datetime
from pipeline_tui.edits.workspace import Change, Workspace
from pipeline_tui.git.repo import Author, GitRepo, PastCommit
from pipeline_tui.storage.store import Store
from pipeline_tui.sync import merge_driver
from pipeline_tui.yaml.read import parse_document

EVENTS_FILE = "events.yaml"
OPERATIONS = ("create", "set", "move", "log", "close", "assign")
#: Used for commit e-mails when the team in pipeline.yaml gives none.
FALLBACK_EMAIL = "demo@example.invalid"

#: Called with (events replayed, events in total) while materializing.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Event:
    """One line of the story: who did what to which opportunity, and when."""

    number: int  # 1-based position in events.yaml, for error messages
    at: datetime
    by: str
    op: str
    target: str  # the opportunity id
    args: Mapping[str, Any]

    def describe(self) -> str:
        return f"{EVENTS_FILE}: event {self.number} ({self.op} {self.target} at {self.at})"


def sample_dir() -> Path:
    """The bundled sample (a checkout's ``sample_repo/`` or the wheel's copy)."""
    return data_dir("sample_repo")


def load_events(events_dir: Path) -> list[Event]:
    """The events of ``events_dir/events.yaml``, checked for shape and time order.

    Their content is checked when they are replayed, by the workspace itself.
    """
    data, problems = parse_document(_read(events_dir / EVENTS_FILE), EVENTS_FILE)
    if problems:
        raise InvalidData(f"cannot read the demo's {EVENTS_FILE}:", problems)
    raw = data.get("events") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        raise InvalidData(f"{EVENTS_FILE}: expected a top-level `events:` list")
    events = [_event(number, item) for number, item in enumerate(raw, start=1)]
    for before, after in itertools.pairwise(events):
        if after.at < before.at:
            raise InvalidData(
                f"{after.describe()}: dated before event {before.number}; "
                "keep the events in time order"
            )
    return events


def materialize(events_dir: Path, dest: Path, progress: Progress | None = None) -> Path:
    """Create a pipeline repo at ``dest`` holding the history in ``events_dir``.

    ``dest`` must not exist or be an empty folder: the demo never writes into
    someone's files.  Returns the repository's root.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BadRequest(f"{dest} is not empty; give a new or empty folder for the demo")
    events = load_events(events_dir)
    if not events:
        raise InvalidData(f"{events_dir / EVENTS_FILE}: no events to replay")
    config_text = _read(events_dir / CONFIG_FILE)
    git = GitRepo.create(dest)  # its own repo, even inside someone else's
    store = Store(git.top)
    store.write_config_text(config_text)  # validates it
    store.opportunities_dir.mkdir()
    attributes = merge_driver.write_attributes(git.top)  # as `pipeline init` does
    assert attributes is not None  # a brand-new repository has no .gitattributes yet
    merge_driver.register(git)
    replay = _Replay(store, store.load_config())
    first = events[0]  # the config is committed first, dated like the first event
    initial = {CONFIG_FILE: config_text, attributes.name: attributes.read_text(encoding="utf-8")}
    replay.commits.append(
        PastCommit(initial, "pipeline: initialize", replay.author(first.by), first.at)
    )
    for done, event in enumerate(events, start=1):
        replay.apply(event)
        if progress is not None:
            progress(done, len(events))
    git.import_history(replay.commits)
    return git.top


class _Replay(Workspace):
    """A workspace whose writes become :class:`PastCommit` values instead of git commits.

    Rendering, the stage ``requires`` and validation are the live ones (the
    same methods run).  What differs: the validated text is written plainly (the
    folder is brand new and nobody else is writing to it) and its commit is
    queued for :meth:`GitRepo.import_history` instead of run at once.
    """

    def __init__(self, store: Store, config: PipelineConfig) -> None:
        super().__init__(store.root)
        self.__dict__["config"] = config  # parsed once, not once per event
        self.commits: list[PastCommit] = []
        self._records: dict[str, Opportunity] = {}
        self._when: datetime | None = None

    def author(self, name: str) -> Author:
        member = self.config.team.get(name)
        return Author(name, (member.email if member else None) or FALLBACK_EMAIL)

    def apply(self, event: Event) -> None:
        """Run one event through the matching workspace method."""
        self.author_name, self._when = event.by, event.at
        args, at, target = event.args, event.at, event.target
        try:
            if event.op == "create":
                self.create(args["title"], args["account"], args.get("fields"), target, at)
            elif event.op == "set":
                self.set_fields(target, args["fields"], at)
            elif event.op == "move":
                self.move(target, args["stage"], at, args.get("note"))
            elif event.op == "log":
                self.log(target, args["kind"], args["note"], at)
            elif event.op == "close":
                self.close(target, args["outcome"], args.get("reason"), at)
            else:
                self.assign(target, args["owner"], at)
        except KeyError as exc:
            raise InvalidData(f"{event.describe()}: missing {exc.args[0]!r}") from None
        except PipelineError as exc:
            problems = exc.problems if isinstance(exc, InvalidData) else []
            raise InvalidData(f"{event.describe()}: {exc}", problems) from exc

    # The three seams where a replay differs from a live edit.

    def get(self, opp_id: str) -> Opportunity:
        """The record this replay last wrote (what re-reading the file would give)."""
        return self._records.get(opp_id) or super().get(opp_id)

    def _author(self) -> Author:
        return self.author(self.author_name or "demo")

    def _commit_text(
        self, path: Path, old: str | None, new: str, message: str, at: datetime | None
    ) -> Change:
        record = self.store.validated(path, new, self.config)
        path.write_text(new, encoding="utf-8")
        when = at or self._when
        assert when is not None
        self.commits.append(
            PastCommit({self.store.relpath(path): new}, message, self._author(), when)
        )
        self._records[record.id] = record
        return Change(record, "", message)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidData(f"cannot read the demo's {path}: {exc}") from exc


def _event(number: int, item: Any) -> Event:
    """Check one raw event's shape: ``at``, ``by`` and exactly one operation."""
    where = f"{EVENTS_FILE}: event {number}"
    if not isinstance(item, Mapping):
        raise InvalidData(f"{where}: expected a mapping with at, by and an operation")
    ops = [op for op in OPERATIONS if op in item]
    if len(ops) != 1:
        raise InvalidData(f"{where}: name exactly one of {', '.join(OPERATIONS)}")
    missing = [key for key in ("at", "by") if not item.get(key)]
    if missing:
        raise InvalidData(f"{where}: missing {', '.join(missing)}")
    try:
        at = to_datetime(item["at"])
    except ValueError:
        raise InvalidData(f"{where}: `at` is not an ISO date or datetime") from None
    op = ops[0]
    args = {k: v for k, v in item.items() if k not in {"at", "by", op}}
    return Event(number, at, str(item["by"]), op, str(item[op]), args)
