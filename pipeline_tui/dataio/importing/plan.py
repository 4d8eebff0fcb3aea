"""From mapped rows to files and commits: what an import creates, updates or leaves.

Rows link to files through the ``external_id`` custom field, so running the
same import twice changes nothing and a re-export from the CRM updates the
deals it already brought in.  ``import_hash`` remembers what each row said,
so a row that did not change leaves its file alone even if it was edited.
The plan is computed completely (texts rendered, config edited, ids chosen)
before anything is written; applying it is one ``git fast-import`` run, so an
import lands whole or not at all.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pipeline_tui.core.config import CONFIG_FILE, PipelineConfig
from pipeline_tui.core.errors import InvalidData
from pipeline_tui.core.model import ID_PATTERN, KNOWN_FIELDS, get_dotted, jsonable
from pipeline_tui.core.slug import slugify
from pipeline_tui.dataio.importing.mapped import ConfigAdditions, Event, MappedRow
from pipeline_tui.git.commits import PlannedCommit, Progress, fast_import
from pipeline_tui.git.repo import Author, GitRepo
from pipeline_tui.i18n import _
from pipeline_tui.storage.filecheck import config_text_problems
from pipeline_tui.storage.layout import Layout, relative_path
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.edit import edit_block, put_team_member, set_dotted
from pipeline_tui.yaml.plain import render_plain_fields
from pipeline_tui.yaml.read import parse_fast, top_level_scalar

EXTERNAL_ID = "external_id"
#: A hash of what the row said at the last import: an unchanged row is skipped
#: even if the file was edited since, so re-importing never undoes hand edits.
IMPORT_HASH = "import_hash"
#: Fields a snapshot before the close does not hold yet (they describe the close).
_CLOSE_FIELDS = ("lost_reason", "won_reason", "closed")


@dataclass(frozen=True, slots=True)
class NewRecord:
    row: int
    id: str
    path: Path
    fields: Mapping[str, Any]
    events: tuple[Event, ...]
    text: str


@dataclass(frozen=True, slots=True)
class UpdatedRecord:
    row: int
    id: str
    path: Path
    changes: Mapping[str, tuple[Any, Any]]  # dotted field -> (old, new)
    text: str


@dataclass(frozen=True, slots=True)
class ImportPlan:
    source: str
    created: tuple[NewRecord, ...] = ()
    updated: tuple[UpdatedRecord, ...] = ()
    unchanged: tuple[tuple[int, str], ...] = ()  # (row, id)
    additions: ConfigAdditions = field(default_factory=ConfigAdditions)
    config_text: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.created or self.updated or self.config_text)

    def commit_count(self, history: bool) -> int:
        if self.empty:
            return 0
        if not history:
            return 1
        config = 1 if self.config_text else 0
        instants = {event.when for record in self.created for event in record.events}
        return config + len(instants) + (1 if self.updated else 0)


def plan_import(
    store: Store,
    config: PipelineConfig,
    rows: Sequence[MappedRow],
    additions: ConfigAdditions,
    source: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Decide, for every mapped row, whether it creates a file, updates one, or neither.

    ``config`` is the config the records are checked against (already extended
    by ``additions``); ``additions`` are what ``pipeline.yaml`` gains.
    ``progress(done, total)`` follows the rows as their files are rendered.
    """
    existing = _existing_by_external_id(store)
    taken = {p.stem for p in store.opportunity_files()}
    layout = store.layout  # read from pipeline.yaml: once, not per row
    created: list[NewRecord] = []
    updated: list[UpdatedRecord] = []
    unchanged: list[tuple[int, str]] = []
    for done, row in enumerate(rows, start=1):
        if progress is not None and (done % 200 == 0 or done == len(rows)):
            progress(done, len(rows))
        found = existing.get(row.external_id)
        if found is None:
            opp_id = _unique_id(_base_id(row), taken)
            taken.add(opp_id)
            created.append(_new_record(store, row, opp_id, layout))
            continue
        if found.import_hash == row_hash(row):
            unchanged.append((row.number, found.path.stem))
            continue
        data = found.data()
        changes = _changes(data, row)
        if not changes:
            unchanged.append((row.number, found.path.stem))
        else:
            updated.append(_updated_record(store, config, row, found.path, data, changes))
    config_text = _extended_config(store, additions) if additions else None
    return ImportPlan(
        source, tuple(created), tuple(updated), tuple(unchanged), additions, config_text
    )


def apply_plan(
    plan: ImportPlan,
    git: GitRepo,
    store: Store,
    author: Author,
    now: datetime,
    history: bool,
    progress: Progress | None = None,
) -> str | None:
    """Write the plan as commits (one :func:`~pipeline_tui.git.commits.fast_import`); new head.

    The caller holds :func:`~pipeline_tui.git.commits.write_lock` from planning to here, so no
    other pipeline writer changes a planned file in between.  ``progress`` is
    :func:`~pipeline_tui.git.commits.fast_import`'s, after ``("steps", done, total)``
    while the dated steps become commits.
    """
    commits = _history_commits(plan, store, author, now, progress) if history else []
    if not history and not plan.empty:
        commits = [_single_commit(plan, store, author, now)]
    if not commits:
        return None
    return fast_import(git, commits, progress=progress)


# --------------------------------------------------------------------------- commits


def _single_commit(plan: ImportPlan, store: Store, author: Author, now: datetime) -> PlannedCommit:
    files: dict[Path, str] = {}
    if plan.config_text is not None:
        files[store.config_path] = plan.config_text
    files.update({r.path: r.text for r in plan.created})
    files.update({r.path: r.text for r in plan.updated})
    return PlannedCommit(_summary(plan), author, now, files)


def _history_commits(
    plan: ImportPlan, store: Store, author: Author, now: datetime, progress: Progress | None
) -> list[PlannedCommit]:
    """Config first, then every dated step of every new deal in date order, then updates."""
    commits: list[PlannedCommit] = []
    if plan.config_text is not None:
        message = f"pipeline: extend config for import of {plan.source}"
        commits.append(PlannedCommit(message, author, now, {store.config_path: plan.config_text}))
    steps = [
        (event.when, record.row, index, record)
        for record in plan.created
        for index, event in enumerate(record.events)
    ]
    steps.sort(key=lambda s: (s[0], s[1], s[2]))
    done = 0
    for when, group in itertools.groupby(steps, key=lambda s: s[0]):
        moves = [(record, index) for _when, _row, index, record in group]
        commits.append(_step_commit(store, moves, author, when, plan.source))
        done += len(moves)
        if progress is not None and len(commits) % 1000 == 0:
            progress("steps", done, len(steps))
    if plan.updated:
        files = {r.path: r.text for r in plan.updated}
        message = f"import: updated {len(plan.updated)} opportunities from {plan.source}"
        commits.append(PlannedCommit(message, author, now, files))
    return commits


def _step_commit(
    store: Store,
    moves: Sequence[tuple[NewRecord, int]],
    author: Author,
    when: datetime,
    source: str,
) -> PlannedCommit:
    """One commit for every step that happened at ``when``.

    Steps sharing an instant (date-only exports put a day's events at
    midnight) share a commit: the history reads the same author date either
    way, and git writes one tree per commit instead of one per deal.
    """
    files: dict[Path, str] = {}
    lines: list[str] = []
    for record, index in moves:
        event = record.events[index]
        last = index == len(record.events) - 1
        files[record.path] = record.text if last else _snapshot(store, record, event.stage)
        if index == 0:
            lines.append(f"{record.id}: created in {event.stage}")
        else:
            lines.append(f"{record.id}: stage {record.events[index - 1].stage} -> {event.stage}")
    rows = ", ".join(str(record.row) for record, _index in moves[:20])
    more = ", ..." if len(moves) > 20 else ""
    if len(lines) == 1:
        return PlannedCommit(
            f"{lines[0]}\n\nImported from {source} row {rows}.", author, when, files
        )
    headline = f"import: {len(lines)} changes on {when.date().isoformat()} from {source}"
    body = "\n".join(lines)
    return PlannedCommit(f"{headline}\n\n{body}\n\nRows {rows}{more}.", author, when, files)


def _snapshot(store: Store, record: NewRecord, stage: str) -> str:
    """The file as it stood in an earlier ``stage``: no close facts yet.

    Derived from the final text line by line (rendering thousands of variants
    with the round-trip dumper is what made imports slow); the fast path is
    used only when it is provably the same as rendering, else we render.
    """
    drop = [k for k in _CLOSE_FIELDS if k in record.fields]
    if _plain_scalar(stage) and all(_one_line(record.fields[k]) for k in drop):
        lines = [
            f"stage: {stage}\n" if line.startswith("stage:") else line
            for line in record.text.splitlines(keepends=True)
            if line.split(":", 1)[0] not in drop
        ]
        return "".join(lines)
    fields = {k: v for k, v in record.fields.items() if k not in drop}
    return _render(store, {"id": record.id, **{**fields, "stage": stage}})


def _summary(plan: ImportPlan) -> str:
    parts = [f"{len(plan.created)} created", f"{len(plan.updated)} updated"]
    lines = [f"import: {plan.source}: {', '.join(parts)}"]
    if plan.additions:
        lines += ["", "pipeline.yaml extended with:"]
        for label, values in (
            ("stages", tuple(s.name for s, _after in plan.additions.stages)),
            ("sources", plan.additions.sources),
            ("lost_reasons", plan.additions.lost_reasons),
            ("team", plan.additions.owners),
        ):
            if values:
                lines.append(f"  {label}: {', '.join(values)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class _Existing:
    path: Path
    text: str
    import_hash: str | None

    def data(self) -> Mapping[str, Any]:
        parsed = parse_fast(self.text)
        return parsed if isinstance(parsed, Mapping) else {}


def _existing_by_external_id(store: Store) -> dict[str, _Existing]:
    """external_id -> the file that has it (an index read line by line, not parsed)."""
    found: dict[str, _Existing] = {}
    for path in store.opportunity_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # an unreadable file cannot be matched; validate reports it
        external = top_level_scalar(text, EXTERNAL_ID)
        if external is None:
            continue
        stored = top_level_scalar(text, IMPORT_HASH)
        found.setdefault(str(external), _Existing(path, text, str(stored) if stored else None))
    return found


def _new_record(store: Store, row: MappedRow, opp_id: str, layout: Layout) -> NewRecord:
    path = _new_path(store, opp_id, layout)
    fields = _ordered({**row.fields, IMPORT_HASH: row_hash(row)})
    text = _render(store, {"id": opp_id, **fields})
    return NewRecord(row.number, opp_id, path, fields, row.events, text)


def _new_path(store: Store, opp_id: str, layout: Layout) -> Path:
    """Where a new deal's file goes: :meth:`Store.opportunity_path`, less its per-call work.

    ``opp_id`` was chosen unused by any file under ``opportunities/``, so the
    store's look for an existing file in either layout can only miss, and
    its reading of the layout from ``pipeline.yaml`` gives ``layout`` every
    time (together a fifth of planning); an id the store would refuse goes to it.
    """
    if not ID_PATTERN.match(opp_id) or ".." in opp_id:
        return store.opportunity_path(opp_id)
    return store.root / relative_path(opp_id, layout)


def _changes(data: Mapping[str, Any], row: MappedRow) -> dict[str, tuple[Any, Any]]:
    """Dotted field -> (old, new) for the values the row sets differently."""
    changes: dict[str, tuple[Any, Any]] = {}
    for key, value in _dotted(row.fields):
        if key == "created" and row.undated:
            continue  # an undated row's "created" is just when it was first imported
        old = get_dotted(data, key)
        if jsonable(old) != jsonable(value):
            changes[key] = (old, value)
    if changes:
        changes[IMPORT_HASH] = (data.get(IMPORT_HASH), row_hash(row))
    return changes


def row_hash(row: MappedRow) -> str:
    """What the row says (after mapping), as a short stable hash."""
    fields = {k: v for k, v in row.fields.items() if not (k == "created" and row.undated)}
    text = json.dumps(jsonable(fields), sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _updated_record(
    store: Store,
    config: PipelineConfig,
    row: MappedRow,
    path: Path,
    data: Mapping[str, Any],
    changes: Mapping[str, tuple[Any, Any]],
) -> UpdatedRecord:
    def mutate(tree: CommentedMap) -> None:
        for key, (_old, new) in changes.items():
            set_dotted(tree, key, new)

    _old_text, text = store.render_edit(path, mutate)
    store.validated(path, text, config)
    return UpdatedRecord(row.number, str(data.get("id", path.stem)), path, changes, text)


def _extended_config(store: Store, additions: ConfigAdditions) -> str:
    """pipeline.yaml with the new sources, lost reasons and team members (comments kept)."""

    def mutate(tree: CommentedMap) -> None:
        stages = tree.get("stages")
        for stage, after in reversed(additions.stages):
            if isinstance(stages, CommentedSeq):
                names = [s.get("name") if isinstance(s, Mapping) else None for s in stages]
                entry = CommentedMap(name=stage.name, probability=round(stage.probability, 4))
                entry.fa.set_flow_style()
                stages.insert(names.index(after) + 1 if after in names else len(stages), entry)
        for key, values in (
            ("sources", additions.sources),
            ("lost_reasons", additions.lost_reasons),
        ):
            if values:
                seq = tree.get(key)
                if not isinstance(seq, CommentedSeq):
                    seq = CommentedSeq()
                    seq.fa.set_flow_style()
                    tree[key] = seq
                seq.extend(values)
        for member in additions.members:
            put_team_member(tree, member.name, {"manager": member.manager, "email": member.email})

    old = store.config_path.read_bytes().decode("utf-8")  # as on disk: CRLF too
    text = edit_block(old, ("stages", "sources", "lost_reasons", "team"), mutate, CONFIG_FILE)
    problems = config_text_problems(text.encode("utf-8"), "pipeline.yaml")
    if problems:
        raise InvalidData(
            _("refused, pipeline.yaml would be invalid:"),
            problems,
        )
    return text


def _render(store: Store, data: Mapping[str, Any]) -> str:
    return render_plain_fields(data) or store.render_new(data)


def _ordered(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields in the documented order, then external_id, then custom fields."""
    known = {k: fields[k] for k in KNOWN_FIELDS if k in fields}
    rest = {k: v for k, v in fields.items() if k not in known}
    first = {k: rest.pop(k) for k in (EXTERNAL_ID, IMPORT_HASH) if k in rest}
    rest = {**first, **rest}
    return {**known, **rest}


def _dotted(fields: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in fields.items():
        if isinstance(value, Mapping):
            pairs += _dotted(value, f"{prefix}{key}.")
        else:
            pairs.append((f"{prefix}{key}", value))
    return pairs


def _base_id(row: MappedRow) -> str:
    title = _slug(str(row.fields.get("title", "")))[:40].strip("-")
    external = row.external_id.removeprefix("row-")
    return "-".join(p for p in (title, _slug(external)[:16].strip("-")) if p) or "deal"


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _slug(text: str) -> str:
    return slugify(text)


@functools.cache
def _plain_scalar(value: str) -> bool:
    return bool(parse_fast(f"v: {value}") == {"v": value})


def _one_line(value: Any) -> bool:
    return "\n" not in str(value) and len(str(value)) < 1000
