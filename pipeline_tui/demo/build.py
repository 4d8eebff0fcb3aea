"""The demo pipeline: replay the bundled sample's dated events into a fresh git repo.

``sample_repo/`` holds a ``pipeline.yaml`` and ``events.yaml``, the history of a
small sales team's half year (see ``sample_repo/README.md``).  Replaying the
events through :class:`~pipeline_tui.edits.workspace.Workspace`, each with its own
date and author, gives a repository whose commits look as if the team had used
the tool live, so stage durations, activity and "as of" reports have real
history to work on.

Fresh on any day: the story ends on a fixed date, so replayed as written it
would look abandoned a few weeks later (every open deal stale and overdue).
``pipeline demo`` passes ``last_day`` (yesterday): every date in the story,
event times and the dates inside fields (``next_step.due``,
``expected_close``), moves by the same whole number of days, so the last
event falls on that day and the deals are as stale or as overdue as the story
meant them to be at its end.

Speed: a plain replay runs two git processes per event (about 10 s for the
sample).  The workspace replaying the story is given a :class:`ReplayCommitter`:
every write goes through the same rendering and validation as a live edit,
but its commit is queued and the whole history handed to git in a single
``fast-import`` run (:func:`pipeline_tui.git.commits.fast_import`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline_tui.core.bundled import data_dir
from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.errors import BadRequest, InvalidData, PipelineError
from pipeline_tui.core.model import to_datetime
from pipeline_tui.core.slug import slugify
from pipeline_tui.edits.committer import Committed, PlannedChange
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.commits import PlannedCommit, fast_import
from pipeline_tui.git.repo import Author, GitRepo
from pipeline_tui.i18n import _
from pipeline_tui.storage.store import Store
from pipeline_tui.sync import merge_driver
from pipeline_tui.yaml.read import parse_document

EVENTS_FILE = "events.yaml"
TRANSLATE_FILE = "translate.yaml"
#: Event arguments and fields whose values a translation replaces.
_TRANSLATED_KEYS = frozenset({"title", "account", "stage", "reason", "source", "lost_reason"})
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
        raise InvalidData(
            _("cannot read the demo's {EVENTS_FILE}:").format(EVENTS_FILE=EVENTS_FILE), problems
        )
    raw = data.get("events") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        raise InvalidData(
            _("{EVENTS_FILE}: expected a top-level `events:` list").format(EVENTS_FILE=EVENTS_FILE)
        )
    events = [_event(number, item) for number, item in enumerate(raw, start=1)]
    for before, after in itertools.pairwise(events):
        if after.at < before.at:
            raise InvalidData(
                _("{describe}: dated before event {number}; keep the events in time order").format(
                    describe=after.describe(), number=before.number
                )
            )
    return events


def materialize(
    events_dir: Path,
    dest: Path,
    progress: Progress | None = None,
    language: str = "en",
    last_day: date | None = None,
) -> Path:
    """Create a pipeline repo at ``dest`` holding the history in ``events_dir``.

    ``dest`` must not exist or be an empty folder: the demo never writes into
    someone's files.  ``language`` other than ``en`` retells the story from
    ``events_dir/<language>/`` (:func:`retell`).  With ``last_day`` the story
    is moved in time so that its last event happens on that day (see
    :func:`shifted`).  Returns the repository's root.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BadRequest(
            _("{dest} is not empty; give a new or empty folder for the demo").format(dest=dest)
        )
    events = load_events(events_dir)
    if not events:
        raise InvalidData(_("{value}: no events to replay").format(value=events_dir / EVENTS_FILE))
    if last_day is not None:
        events = shifted(events, last_day)
    config_text = _read(events_dir / CONFIG_FILE)
    if language != "en":
        config_text = _read(events_dir / language / CONFIG_FILE)
        events = retell(events, _translation(events_dir / language / TRANSLATE_FILE))
    git = GitRepo.create(dest)  # its own repo, even inside someone else's
    store = Store(git.top)
    store.write_config_text(config_text)  # validates it
    store.opportunities_dir.mkdir()
    attributes = merge_driver.write_attributes(git.top)  # as `pipeline init` does
    assert attributes is not None  # a brand-new repository has no .gitattributes yet
    merge_driver.register(git)
    replay = ReplayCommitter(store, store.load_config())
    workspace = Workspace(store.root, committer=replay)
    first = events[0]  # the config is committed first, dated like the first event
    initial = {store.config_path: config_text, attributes: attributes.read_text(encoding="utf-8")}
    replay.commits.append(
        PlannedCommit("pipeline: initialize", replay.author(first.by), first.at, initial)
    )
    for done, event in enumerate(events, start=1):
        _apply(workspace, event)
        if progress is not None:
            progress(done, len(events))
    fast_import(git, replay.commits, committed_by_author=True)
    return git.top


def shifted(events: list[Event], last_day: date) -> list[Event]:
    """The story moved by whole days so its last event is on ``last_day`` (its own zone).

    Whole days keep every time of day and weekday pattern; dates inside the
    events' fields (a next step's due date, an expected close) move with them.
    """
    delta = timedelta(days=(last_day - events[-1].at.date()).days)
    if not delta:
        return events
    return [replace(e, at=e.at + delta, args=_shift_values(e.args, delta)) for e in events]


def _shift_values(value: Any, delta: timedelta) -> Any:
    """``value`` with every date and datetime in it moved by ``delta``."""
    if isinstance(value, datetime | date):
        return value + delta
    if isinstance(value, Mapping):
        return {key: _shift_values(item, delta) for key, item in value.items()}
    if isinstance(value, list):
        return [_shift_values(item, delta) for item in value]
    return value


class ReplayCommitter:
    """A :class:`~pipeline_tui.edits.committer.Committer` that queues commits for later.

    Validation is the live one.  What differs: authors come from the team list
    in ``pipeline.yaml`` (not git's config), nobody else writes to the brand-new
    folder (no lock, no dirty check, a plain write), and each commit becomes a
    :class:`PlannedCommit` for one :func:`fast_import` at the end.
    """

    exclusive = True

    def __init__(self, store: Store, config: PipelineConfig) -> None:
        self.store = store
        self.team = config.team
        self.commits: list[PlannedCommit] = []

    def author(self, name: str | None) -> Author:
        name = name or "demo"
        member = self.team.get(name)
        return Author(name, (member.email if member else None) or FALLBACK_EMAIL)

    @contextmanager
    def hold(self) -> Iterator[None]:
        yield

    def commit(self, change: PlannedChange, config: PipelineConfig) -> Committed:
        if change.new is None or change.at is None or change.config is not None:
            raise ValueError(_("a replayed change writes one deal file at a given date"))
        record = self.store.validated(change.path, change.new, config)
        change.path.write_text(change.new, encoding="utf-8")
        files = {change.path: change.new}
        self.commits.append(PlannedCommit(change.message, change.author, change.at, files))
        return Committed(record, "")


def _apply(workspace: Workspace, event: Event) -> None:
    """Run one event through the matching workspace method, as its author."""
    workspace.author_name = event.by
    args, at, target = event.args, event.at, event.target
    try:
        if event.op == "create":
            workspace.create(args["title"], args["account"], args.get("fields"), target, at)
        elif event.op == "set":
            workspace.set_fields(target, args["fields"], at)
        elif event.op == "move":
            workspace.move(target, args["stage"], at, args.get("note"))
        elif event.op == "log":
            workspace.log(target, args["kind"], args["note"], at)
        elif event.op == "close":
            workspace.close(target, args["outcome"], args.get("reason"), at)
        else:
            workspace.assign(target, args["owner"], at)
    except KeyError as exc:
        raise InvalidData(
            _("{describe}: missing {args!r}").format(describe=event.describe(), args=exc.args[0])
        ) from None
    except PipelineError as exc:
        problems = exc.problems if isinstance(exc, InvalidData) else []
        raise InvalidData(f"{event.describe()}: {exc}", problems) from exc


@dataclass(frozen=True)
class Translation:
    """How a language's demo retells the English story (``<lang>/translate.yaml``)."""

    values: Mapping[str, str]
    amount_factor: float = 1.0
    currency: str | None = None


def _translation(path: Path) -> Translation:
    data, problems = parse_document(_read(path), path.name)
    if problems or not isinstance(data, Mapping) or not isinstance(data.get("values"), Mapping):
        raise InvalidData(_("{path}: expected a `values:` mapping").format(path=path), problems)
    return Translation(
        {str(k): str(v) for k, v in data["values"].items()},
        float(data.get("amount_factor", 1)),
        data.get("currency"),
    )


def retell(events: list[Event], translation: Translation) -> list[Event]:
    """The same story in another language: values translated, ids slugged from new titles.

    A deal keeps its random id suffix, so the retold history is as stable as
    the original; the slug part is made the way ``pipeline new`` would make it.
    """
    ids: dict[str, str] = {}
    retold = []
    for event in events:
        args = _retold(event.args, translation)
        if event.op == "create":
            suffix = event.target.rsplit("-", 1)[-1]
            ids[event.target] = f"{slugify(str(args['title'])) or 'deal'}-{suffix}"
        target = ids.get(event.target, event.target)
        retold.append(Event(event.number, event.at, event.by, event.op, target, args))
    return retold


def _retold(args: Mapping[str, Any], translation: Translation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args.items():
        if isinstance(value, Mapping):
            out[key] = _retold(value, translation)
        elif key in _TRANSLATED_KEYS and isinstance(value, str):
            out[key] = translation.values.get(value, value)
        elif key == "amount" and isinstance(value, int | float):
            out[key] = round(value * translation.amount_factor)
        elif key == "currency" and translation.currency:
            out[key] = translation.currency
        else:
            out[key] = value
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidData(
            _("cannot read the demo's {path}: {exc}").format(path=path, exc=exc)
        ) from exc


def _event(number: int, item: Any) -> Event:
    """Check one raw event's shape: ``at``, ``by`` and exactly one operation."""
    where = f"{EVENTS_FILE}: event {number}"
    if not isinstance(item, Mapping):
        raise InvalidData(
            _("{where}: expected a mapping with at, by and an operation").format(where=where)
        )
    ops = [op for op in OPERATIONS if op in item]
    if len(ops) != 1:
        raise InvalidData(
            _("{where}: name exactly one of {join}").format(where=where, join=", ".join(OPERATIONS))
        )
    missing = [key for key in ("at", "by") if not item.get(key)]
    if missing:
        raise InvalidData(_("{where}: missing {join}").format(where=where, join=", ".join(missing)))
    try:
        at = to_datetime(item["at"])
    except ValueError:
        raise InvalidData(
            _("{where}: `at` is not an ISO date or datetime").format(where=where)
        ) from None
    op = ops[0]
    args = {k: v for k, v in item.items() if k not in {"at", "by", op}}
    return Event(number, at, str(item["by"]), op, str(item[op]), args)
