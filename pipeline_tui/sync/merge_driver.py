"""The merge driver's wiring into git: registration, and the entry point git calls.

Git picks a custom merge driver in two steps: ``.gitattributes`` (committed,
so every clone has it) says ``opportunities/*.yaml merge=pipeline``, and the
repository's config (local, never cloned) says which command ``pipeline`` is.
A fresh clone therefore lacks the second half; ``pipeline doctor --fix`` adds
it, and ``pipeline sync`` passes it on the command line so it always applies.

The command runs this interpreter (``python -P -m pipeline_tui``) rather than a
``pipeline`` found on PATH: git runs drivers from hooks, GUIs and cron jobs
whose PATH is anyone's guess.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.i18n import _
from pipeline_tui.interpreter import SAFE_PATH, python_shell
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.sync.merge import Unmergeable, merge_files

if TYPE_CHECKING:  # imported where used: sync's driver runs start-up in every retry
    from pipeline_tui.git.repo import GitRepo

DRIVER_NAME: Final = "pipeline"
DRIVER_LABEL: Final = "pipeline-tui field-wise YAML merge"
ATTRIBUTES_FILE: Final = ".gitattributes"
#: ``**/`` so deals in the sharded layout's subfolders merge field-wise too.
ATTRIBUTES_LINE: Final = f"{OPPORTUNITIES_DIR}/**/*.yaml merge={DRIVER_NAME}"
#: What earlier versions wrote: it routes only flat ``opportunities/<id>.yaml``.
LEGACY_LINE: Final = f"{OPPORTUNITIES_DIR}/*.yaml merge={DRIVER_NAME}"
NAME_KEY: Final = f"merge.{DRIVER_NAME}.name"
DRIVER_KEY: Final = f"merge.{DRIVER_NAME}.driver"


def driver_command(python: str | None = None, for_sync: bool = False) -> str:
    """The ``merge.pipeline.driver`` command git runs for each file it must merge.

    ``for_sync``: the command ``pipeline sync`` gives its own rebase.  It says
    so by running this module directly (see :func:`_main`), which spares each
    run the whole command line's start-up, finding out whether git is rebasing
    and checking the merged file: sync knows the first and checks the whole
    pipeline after the rebase anyway.  In a storm of teammates syncing at once
    every retry replays through the driver, so its start-up time counts.
    """
    entry = ("pipeline_tui.sync.merge_driver",) if for_sync else ("pipeline_tui", "merge-driver")
    return f"{python_shell('-m', *entry, python=python)} %O %A %B %P"


def driver_config(for_sync: bool = False) -> dict[str, str]:
    """The two config keys that define the driver (for ``git config`` or ``git -c``)."""
    return {NAME_KEY: DRIVER_LABEL, DRIVER_KEY: driver_command(for_sync=for_sync)}


# --------------------------------------------------------------------------- registration


def attributes_path(root: Path) -> Path:
    return root / ATTRIBUTES_FILE


def has_attributes(root: Path) -> bool:
    """Whether the pipeline's ``.gitattributes`` routes opportunities to the driver."""
    path = attributes_path(root)
    if not path.is_file():
        return False
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(line.split() == ATTRIBUTES_LINE.split() for line in lines)


def write_attributes(root: Path) -> Path | None:
    """Add the driver line to ``.gitattributes`` (keeping what is there); the path if changed."""
    if has_attributes(root):
        return None
    path = attributes_path(root)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = old.splitlines(keepends=True)
    legacy = [i for i, line in enumerate(lines) if line.split() == LEGACY_LINE.split()]
    if legacy:  # an older pipeline: widen its line in place
        lines[legacy[0]] = f"{ATTRIBUTES_LINE}\n"
        atomic_write(path, "".join(lines))
        return path
    separator = "" if not old or old.endswith("\n") else "\n"
    comment = "# pipeline-tui merges opportunity files field by field (see docs/sync.md)\n"
    atomic_write(path, f"{old}{separator}{comment}{ATTRIBUTES_LINE}\n")
    return path


def add_attributes(root: Path, repo: GitRepo) -> Path | None:
    """Write the driver line; the file to commit, or None if there is nothing to commit.

    None also when ``.gitattributes`` already held uncommitted edits of the
    user's: committing it would sweep those in (the line is still written).
    """
    path = attributes_path(root)
    users_edits = path.exists() and repo.is_dirty(path)
    written = write_attributes(root)
    return None if written is None or users_edits else written


def configured_problem(repo: GitRepo) -> str | None:
    """Why the local git config does not (usably) register the driver, or None if it does."""
    command = repo.config_value(DRIVER_KEY)
    if not command:
        return _("git config has no {key} (normal in a fresh clone)").format(key=DRIVER_KEY)
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    program = words[0] if words else ""
    if not program or (shutil.which(program) is None and not Path(program).is_file()):
        return _("{key} runs {program!r}, which no longer exists").format(
            key=DRIVER_KEY, program=program or command
        )
    if "pipeline_tui" in words and SAFE_PATH not in words:
        return _(
            "{key} runs Python without -P, so a pipeline_tui folder in the repository "
            "would be imported instead of the installed one"
        ).format(key=DRIVER_KEY)
    return None


def register(repo: GitRepo) -> None:
    """Write the driver into this repository's ``.git/config`` (local, not committed)."""
    for key, value in driver_config().items():
        repo.set_config(key, value)


# --------------------------------------------------------------------------- the driver


@dataclass
class DriverOutcome:
    """What the driver tells git (exit code) and the user (lines for stderr)."""

    exit_code: int
    messages: list[str] = field(default_factory=list)


def run_driver(
    base: Path, current: Path, other: Path, name: str, for_sync: bool = False
) -> DriverOutcome:
    """Merge ``name``'s three versions into ``current``; never raises.

    Exit 0 when merged, even with recorded conflicts: the file is valid YAML
    naming both values, and stopping a rebase would leave a non-expert in a
    half-finished git state.  Exit 1 only if a side cannot be parsed; then
    ``current`` is left exactly as it was (no conflict markers are written).
    ``for_sync``: run by ``pipeline sync``'s rebase (see :func:`driver_command`).
    """
    if _added_on_both_sides(base, current, other):
        return DriverOutcome(
            1,
            [
                _(
                    "pipeline merge-driver: {name} was created on both sides: two different "
                    "deals got the same id; nothing was merged (rename one with a new id)"
                ).format(name=name)
            ],
        )
    try:
        rebasing = for_sync or _rebasing()
        result = merge_files(base, current, other, rebasing)
    except (Unmergeable, OSError, UnicodeDecodeError) as exc:
        cannot = _("pipeline merge-driver: cannot merge {name}: {exc}")
        return DriverOutcome(1, [cannot.format(name=name, exc=exc)])
    both = _("pipeline: {name}: {field} changed on both sides; both values kept under conflicts:")
    messages = [both.format(name=name, field=c.field) for c in result.conflicts]
    if not for_sync:
        messages += _validation_messages(result.text, name)
    return DriverOutcome(0, messages)


def _added_on_both_sides(base: Path, current: Path, other: Path) -> bool:
    """Git's add/add case (an empty ancestor): two new files that differ share one id.

    Merging them field by field would fuse two customers' deals into one
    file, so an id collision is refused and reported instead.
    """
    try:
        return base.stat().st_size == 0 and current.read_bytes() != other.read_bytes()
    except OSError:
        return False


def _rebasing() -> bool:
    """Whether git is rebasing here (then ``%A`` is upstream and ``%B`` the local commit)."""
    from pipeline_tui.git.repo import GitRepo

    try:
        return GitRepo(Path.cwd()).in_rebase()
    except PipelineError:
        return False


def _pipeline_root(file: Path) -> Path:
    """The folder holding ``pipeline.yaml`` above a deal file (either layout)."""
    for folder in file.parents:
        if (folder / CONFIG_FILE).is_file():
            return folder
    return file.parent


def _validation_messages(text: str, name: str) -> list[str]:
    """Problems of the merged file other than recorded conflicts (reported, not fatal)."""
    from pipeline_tui.storage.filecheck import check_opportunity_text
    from pipeline_tui.storage.store import Store

    root = _pipeline_root(Path.cwd() / PurePosixPath(name))
    try:
        config = Store(root).load_config()
    except PipelineError:
        return []
    _, problems = check_opportunity_text(text, name, config)
    return [
        f"pipeline: {problem}"
        for problem in problems
        if problem.severity == "error" and not (problem.field or "").startswith("conflicts")
    ]


def _main(args: Sequence[str]) -> int:
    """``python -m pipeline_tui.sync.merge_driver %O %A %B %P``: the driver for sync's rebase."""
    if len(args) != 4:
        print("usage: python -m pipeline_tui.sync.merge_driver O A B NAME", file=sys.stderr)
        return 2
    base, current, other, name = args
    outcome = run_driver(Path(base), Path(current), Path(other), name, for_sync=True)
    for message in outcome.messages:
        print(message, file=sys.stderr)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
