"""The git pre-commit hook: stop a hand edit that breaks a file before it is committed.

``pipeline hook install`` writes a small shell script into the repository's
hooks folder; the script runs ``pipeline hook run``, which checks the STAGED
content (``git cat-file`` on ``:path``, what the commit will actually hold,
not the work tree) of every staged opportunity file and of ``pipeline.yaml``.
Pipeline commands commit with ``--no-verify`` and have validated already, so
the hook only ever costs time on hand-made commits.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from pipeline_tui.core.config import CONFIG_FILE, OPPORTUNITIES_DIR, PipelineConfig
from pipeline_tui.core.errors import BadRequest
from pipeline_tui.core.model import Problem
from pipeline_tui.git.repo import GitRepo
from pipeline_tui.i18n import _
from pipeline_tui.interpreter import python_shell
from pipeline_tui.storage.filecheck import check_opportunity_text, config_text_problems
from pipeline_tui.storage.layout import file_id, is_deal_path
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.read import decode, parse_fast

MARKER = "# installed by `pipeline hook install` (pipeline-tui)"
BACKUP_NAME = "pre-commit.before-pipeline"


def hook_script(pipeline_rel: str) -> str:
    """The pre-commit script: this Python if it still exists, else ``pipeline`` on PATH."""
    python = shlex.quote(sys.executable)
    run = python_shell("-m", "pipeline_tui")
    repo = '"$(git rev-parse --show-toplevel)"/' + shlex.quote(pipeline_rel or ".")
    return f"""#!/bin/sh
{MARKER}
# Checks staged opportunity files and pipeline.yaml; bypass once with `git commit --no-verify`.
if [ -x {python} ]; then
    exec {run} --repo {repo} hook run
elif command -v pipeline >/dev/null 2>&1; then
    exec pipeline --repo {repo} hook run
fi
echo "pipeline-tui pre-commit hook: pipeline is not installed here; skipping the check" >&2
exit 0
"""


def install_hook(store: Store, git: GitRepo, force: bool = False) -> Path:
    """Write ``pre-commit``; someone else's hook is kept unless ``force`` (then backed up)."""
    hook = git.hooks_dir() / "pre-commit"
    if hook.exists() and MARKER not in hook.read_text(encoding="utf-8", errors="replace"):
        if not force:
            raise BadRequest(
                _(
                    "{hook} already exists and was not written by pipeline-tui: add "
                    "`pipeline hook run` to it yourself, or pass --force to replace it "
                    "(the old one is kept as {BACKUP_NAME})"
                ).format(hook=hook, BACKUP_NAME=BACKUP_NAME)
            )
        hook.replace(hook.with_name(BACKUP_NAME))
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(_script_for(store, git), encoding="utf-8")
    hook.chmod(0o755)
    return hook


def outdated_hook(store: Store, git: GitRepo) -> Path | None:
    """Our installed hook, if an earlier version wrote it differently (None: current or absent).

    Why it matters: hooks written before the ``-P`` option started Python with
    the work tree on ``sys.path``.  A hook of someone else's is never ours to judge.
    """
    hook = git.hooks_dir() / "pre-commit"
    try:
        text = hook.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return hook if MARKER in text and text != _script_for(store, git) else None


def _script_for(store: Store, git: GitRepo) -> str:
    rel = store.root.resolve().relative_to(git.top).as_posix()
    return hook_script("" if rel == "." else rel)


def staged_problems(store: Store, git: GitRepo) -> tuple[int, list[Problem]]:
    """(files checked, problems) for the staged opportunity files and staged config."""
    prefix = _prefix(store, git)
    config_rel = prefix + CONFIG_FILE
    folder = f"{prefix}{OPPORTUNITIES_DIR}/"
    opp_rels = [
        rel
        for rel in git.staged_paths(store.opportunities_dir)
        if rel.startswith(folder) and is_deal_path(rel.removeprefix(folder))
    ]
    blobs = git.staged_blobs([config_rel, *opp_rels])
    config_raw = blobs.pop(config_rel)
    problems = config_text_problems(config_raw, CONFIG_FILE)
    if problems:
        return 1 + len(opp_rels), problems
    config = PipelineConfig.from_mapping(parse_fast(config_raw.decode("utf-8")))
    for rel, raw in blobs.items():
        problems += _file_problems(rel.removeprefix(prefix), raw, config)
    if opp_rels:
        problems += _duplicate_ids(store, git, folder, opp_rels, prefix)
    return len(blobs) + 1, problems


def _duplicate_ids(
    store: Store, git: GitRepo, folder: str, staged: list[str], prefix: str
) -> list[Problem]:
    """A staged deal file whose id another deal file in the index already has.

    ``pipeline validate`` reports such a pair and a load keeps only one of
    them, so it must not get in by hand (``cp`` of a deal into another
    folder).  The id is the file name (a file whose ``id:`` differs is an
    error of its own); one ``git ls-files`` of ``opportunities/`` finds the rest.
    """
    listed = git.output("ls-files", "-z", "--", git.rel(store.opportunities_dir))
    by_id: dict[str, list[str]] = {}
    for rel in sorted(name for name in listed.split("\0") if name):
        if rel.startswith(folder) and is_deal_path(rel.removeprefix(folder)):
            by_id.setdefault(file_id(rel), []).append(rel)
    problems: list[Problem] = []
    for rel in staged:
        opp_id = file_id(rel)
        other = next((r for r in by_id.get(opp_id, []) if r != rel), None)
        if other is not None:
            message = _("duplicate id {id!r}, also in {path}").format(
                id=opp_id, path=other.removeprefix(prefix)
            )
            problems.append(Problem(rel.removeprefix(prefix), message, 1, "id"))
    return problems


def _file_problems(path: str, raw: bytes, config: PipelineConfig) -> list[Problem]:
    text, problems = decode(raw, path)
    if text is None:
        return problems
    _record, problems = check_opportunity_text(text, path, config)
    return problems


def _prefix(store: Store, git: GitRepo) -> str:
    rel = store.root.resolve().relative_to(git.top).as_posix()
    return "" if rel == "." else rel + "/"
