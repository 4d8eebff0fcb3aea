"""``pipeline migrate``: move a pipeline's deal files to another folder layout in one commit.

A flat pipeline (``opportunities/<id>.yaml``) grows with the square of its
size in git (see :mod:`pipeline_tui.storage.layout`); migrating renames every
file to its sharded place, sets ``layout:`` in ``pipeline.yaml`` and widens
the merge-driver line in ``.gitattributes``, all in one commit of renames.
Timelines are unchanged (the history engine follows a file by its id), and a
teammate who edited a deal before pulling the migration keeps the edit: git
follows the rename when it replays it.

Nothing uncommitted is swept in: a moved file, ``pipeline.yaml`` or
``.gitattributes`` with uncommitted edits stops the migration untouched, and
untracked deal files are left where they are (and still load).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.core.errors import BadRequest, InvalidData, RepoError
from pipeline_tui.core.model import ID_PATTERN, Problem
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.commits import commit_paths, write_lock
from pipeline_tui.i18n import _
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.storage.layout import Layout, file_id, relative_path
from pipeline_tui.sync import merge_driver
from pipeline_tui.yaml.edit import edit_block


@dataclass(frozen=True)
class Move:
    """One deal file and where the target layout puts it (paths relative to the pipeline)."""

    source: str
    target: str


@dataclass
class Migration:
    """What ``migrate`` did (or, dry-run, would do)."""

    layout: Layout
    moves: list[Move] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # files not moved, with the reason
    commit: str | None = None


def plan(ws: Workspace, layout: Layout) -> Migration:
    """Which files move; refuses (:class:`RepoError`) if one of them has uncommitted edits.

    Also refuses (:class:`InvalidData`, nothing moved) while two files hold
    one id: both would be planned onto the same target, and a rename onto
    it would delete the other deal.  Which of the two is right is the
    person's call, so neither is moved.  No two moves ever share a target,
    and no move lands on a file that exists: such a file is left, and said.
    """
    store = ws.store
    files = store.opportunity_files()
    _refuse_duplicate_ids([store.relpath(path) for path in files])
    result = Migration(layout)
    tracked = _tracked(ws)
    planned: set[str] = set()
    for path in files:
        rel = store.relpath(path)
        opp_id = path.name.removesuffix(".yaml")
        target = relative_path(opp_id, layout)
        if rel == target:
            continue
        if not ID_PATTERN.match(opp_id):
            result.left.append(f"{rel}: the file name is not a valid id")
        elif rel not in tracked:
            result.left.append(f"{rel}: not committed yet (left in place; it still loads)")
        elif target in planned or (store.root / target).exists():
            result.left.append(f"{rel}: {target} already exists")
        else:
            planned.add(target)
            result.moves.append(Move(rel, target))
    ws.git.refuse_dirty(ws.git.rels(store.root / m.source for m in result.moves).values())
    return result


def _refuse_duplicate_ids(rels: Sequence[str]) -> None:
    """:class:`InvalidData` naming every file whose id an earlier file already has."""
    first: dict[str, str] = {}
    problems: list[Problem] = []
    for rel in rels:
        opp_id = file_id(rel)
        if opp_id not in first:
            first[opp_id] = rel
            continue
        message = _("duplicate id {id!r}, also in {path}").format(id=opp_id, path=first[opp_id])
        problems.append(Problem(rel, message, 1, "id"))
    if problems:
        raise InvalidData(
            _(
                "cannot migrate while two files hold one deal (nothing moved): keep one "
                "of each, then migrate again; `pipeline validate` lists them too:"
            ),
            problems,
        )


def migrate(ws: Workspace, layout: Layout, *, dry_run: bool = False) -> Migration:
    """Move every tracked deal file to ``layout`` and commit it all as one change."""
    if ws.config.layout == layout and not plan(ws, layout).moves:
        raise BadRequest(
            _("the pipeline already uses the {layout} layout: nothing to move").format(
                layout=layout
            )
        )
    ws.git.check_ready()
    with write_lock(ws.git):
        result = plan(ws, layout)
        if dry_run:
            return result
        config_old, attributes_old = _read(ws.store.config_path), _read(_attributes(ws))
        for extra in (ws.store.config_path, _attributes(ws)):
            if extra.exists() and ws.git.is_dirty(extra):
                raise RepoError(
                    _("{name} has uncommitted edits: commit or stash them first").format(
                        name=extra.name
                    )
                )
        try:
            _apply(ws, result, layout)
            root = ws.store.root
            paths = [root / rel for m in result.moves for rel in (m.source, m.target)]
            paths += [ws.store.config_path, _attributes(ws)]
            author = ws.git.identity(ws.author_name)
            result.commit = commit_paths(ws.git, paths, _message(result), author)
        except BaseException:
            _undo(ws, result, config_old, attributes_old)
            raise
    return result


def _apply(ws: Workspace, result: Migration, layout: Layout) -> None:
    """Rename the files and record the layout (work tree only; the caller commits)."""
    root = ws.store.root
    for move in result.moves:
        target = root / move.target
        target.parent.mkdir(parents=True, exist_ok=True)
        (root / move.source).rename(target)
    _remove_empty_folders(ws.store.opportunities_dir)

    def set_layout(tree: CommentedMap) -> None:
        if "layout" in tree:
            tree["layout"] = layout
        else:
            tree.insert(len(tree), "layout", layout)

    old = _read(ws.store.config_path) or ""
    ws.store.write_config_text(edit_block(old, "layout", set_layout, CONFIG_FILE))
    merge_driver.write_attributes(root)


def _undo(ws: Workspace, result: Migration, config: str | None, attributes: str | None) -> None:
    """Put every file back where it was; :func:`commit_paths` already restored the index."""
    root = ws.store.root
    for move in result.moves:
        if (root / move.target).exists() and not (root / move.source).exists():
            (root / move.source).parent.mkdir(parents=True, exist_ok=True)
            (root / move.target).rename(root / move.source)
    _remove_empty_folders(ws.store.opportunities_dir)
    for path, text in ((ws.store.config_path, config), (_attributes(ws), attributes)):
        if text is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write(path, text)


def _tracked(ws: Workspace) -> set[str]:
    """Deal files git knows, relative to the pipeline folder."""
    prefix = ws.git.rel(ws.store.root)
    out = ws.git.output("ls-files", "-z", "--", ws.git.rel(ws.store.opportunities_dir))
    names = [name for name in out.split("\0") if name]
    return {n.removeprefix(f"{prefix}/") if prefix != "." else n for n in names}


def _attributes(ws: Workspace) -> Path:
    return merge_driver.attributes_path(ws.store.root)


def _read(path: Path) -> str | None:
    """The text as it is on disk (CRLF kept: a failed migration puts back the same bytes)."""
    return path.read_bytes().decode("utf-8") if path.is_file() else None


def _remove_empty_folders(folder: Path) -> None:
    for child in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_dir() and not any(child.iterdir()):
            child.rmdir()


def _message(result: Migration) -> str:
    where = "opportunities/<xx>/<id>.yaml" if result.layout == "sharded" else "opportunities/"
    return f"{CONFIG_FILE}: move {len(result.moves)} deals to the {result.layout} layout ({where})"


def describe(result: Migration) -> Sequence[str]:
    """Lines for the terminal: what moved (or would), and what was left."""
    lines = [f"{m.source} -> {m.target}" for m in result.moves[:5]]
    if len(result.moves) > 5:
        lines.append(f"... and {len(result.moves) - 5} more")
    lines += [f"left: {reason}" for reason in result.left]
    return lines
