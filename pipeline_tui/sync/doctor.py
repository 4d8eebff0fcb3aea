"""``pipeline doctor``: is this pipeline healthy, and can it be fixed automatically?

Doctor is a list of small check functions, each looking at one thing and
returning a :class:`CheckResult`.  A result may carry a ``fix``; ``doctor
--fix`` calls it and checks again.  To add a check, write a function taking
the :class:`Workspace` and decorate it with :func:`check` (order of
registration is the order shown).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git.commits import commit_paths, write_lock
from pipeline_tui.git.shallow import SHALLOW_NOTE, boundaries
from pipeline_tui.i18n import _, pgettext
from pipeline_tui.storage.layout import MIGRATE_HINT_FILES, bucket
from pipeline_tui.sync import merge_driver, precommit

Status = Literal["ok", "warning", "error"]
#: The one command a teammate runs after cloning the pipeline.
CLONE_SETUP = "pipeline doctor --fix"


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict; ``fix`` (if any) repairs it and says what it did."""

    name: str
    status: Status
    message: str
    fix: Callable[[], str] | None = None
    fixed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "status": self.status,
            "message": self.message,
            "fixable": self.fix is not None,
            "fixed": self.fixed,
        }


Check = Callable[[Workspace], CheckResult]
CHECKS: list[Check] = []


def check(func: Check) -> Check:
    """Register ``func`` as a doctor check."""
    CHECKS.append(func)
    return func


def run_checks(
    ws: Workspace, fix: bool = False, checks: list[Check] | None = None
) -> list[CheckResult]:
    """Every check's result; with ``fix``, repairable problems are repaired and re-checked."""
    results = []
    for func in CHECKS if checks is None else checks:
        result = _safely(func, ws)
        if fix and result.status != "ok" and result.fix is not None:
            try:
                done = result.fix()
            except PipelineError as exc:
                failed = _("{message} (fix failed: {exc})").format(message=result.message, exc=exc)
                result = replace(result, message=failed)
            else:
                result = replace(_safely(func, ws), fixed=done)
        results.append(result)
    return results


def _safely(func: Check, ws: Workspace) -> CheckResult:
    """A check that hits a pipeline error reports it instead of stopping the others."""
    try:
        return func(ws)
    except PipelineError as exc:
        return CheckResult(func.__name__.removeprefix("check_"), "error", str(exc))


# --------------------------------------------------------------------------- checks


@check
def check_files(ws: Workspace) -> CheckResult:
    """The same verdict as ``pipeline validate``, in one line."""
    pipeline = ws.store.load(ws.store.load_config())
    errors = [p for p in pipeline.problems if p.severity == "error"]
    warnings = len(pipeline.problems) - len(errors)
    counts = _("{deals} valid deals, {errors} errors, {warnings} warnings").format(
        deals=len(pipeline.opportunities), errors=len(errors), warnings=warnings
    )
    if errors:
        first = _("{counts}; first: {first} (see `pipeline validate`)")
        return CheckResult("files", "error", first.format(counts=counts, first=errors[0]))
    return CheckResult("files", "warning" if warnings else "ok", counts)


@check
def check_history(ws: Workspace) -> CheckResult:
    """A shallow clone cannot date stage entries older than its history."""
    cut = boundaries(ws.root)
    if cut:
        return CheckResult("history", "warning", _(SHALLOW_NOTE))
    return CheckResult("history", "ok", _("full git history: stage dates are exact"))


@check
def check_merge_driver(ws: Workspace) -> CheckResult:
    """The local half of the merge driver: ``.git/config`` names the command."""
    problem = merge_driver.configured_problem(ws.git)
    if problem is None:
        return CheckResult("merge-driver", "ok", _("YAML merge driver registered in .git/config"))

    def fix() -> str:
        merge_driver.register(ws.git)
        done = _("registered the merge driver in .git/config ({key})")
        return done.format(key=merge_driver.DRIVER_KEY)

    message = _(
        "{problem}: teammates' edits would merge line by line. "
        "Run `{setup}` once in every fresh clone"
    ).format(problem=problem, setup=CLONE_SETUP)
    return CheckResult("merge-driver", _needed(ws), message, fix)


@check
def check_hook(ws: Workspace) -> CheckResult:
    """A pre-commit hook ``pipeline hook install`` wrote, as an earlier version wrote it."""
    hook = precommit.outdated_hook(ws.store, ws.git)
    if hook is None:
        return CheckResult("hook", "ok", _("pre-commit hook: current, or not installed"))

    def fix() -> str:
        precommit.install_hook(ws.store, ws.git)
        return _("rewrote {hook}").format(hook=hook)

    message = _(
        "{hook} was written by an earlier version, which started Python with the "
        "work tree on its import path"
    ).format(hook=hook)
    return CheckResult("hook", "error", message, fix)


@check
def check_attributes(ws: Workspace) -> CheckResult:
    """The committed half: ``.gitattributes`` routes opportunity files to the driver."""
    if merge_driver.has_attributes(ws.root):
        routes = _("{file} routes deals").format(file=merge_driver.ATTRIBUTES_FILE)
        return CheckResult("gitattributes", "ok", routes)

    def fix() -> str:
        path = merge_driver.add_attributes(ws.root, ws.git)
        if path is None:
            return _(
                "added `{line}` to {file}; "
                "it has other uncommitted changes of yours, so commit it yourself"
            ).format(line=merge_driver.ATTRIBUTES_LINE, file=merge_driver.ATTRIBUTES_FILE)
        author = ws.git.identity(ws.author_name)
        ws.git.check_ready()
        with write_lock(ws.git):
            commit_paths(ws.git, [path], "pipeline: merge opportunities field by field", author)
        added = _("added `{line}` to {file} and committed it")
        return added.format(line=merge_driver.ATTRIBUTES_LINE, file=path.name)

    message = _("{file} lacks `{line}`").format(
        file=merge_driver.ATTRIBUTES_FILE, line=merge_driver.ATTRIBUTES_LINE
    )
    return CheckResult("gitattributes", _needed(ws), message, fix)


def _needed(ws: Workspace) -> Status:
    """Merge set-up matters once the pipeline is shared: an error then, a warning before."""
    try:
        shared = ws.git.sync_remote(ws.git.current_branch()) is not None
    except PipelineError:
        shared = True
    return "error" if shared else "warning"


@check
def check_remote(ws: Workspace) -> CheckResult:
    """Sync needs a remote; without one the pipeline is single-user (fine, but say so)."""
    branch = ws.git.current_branch()
    remote = ws.git.sync_remote(branch)
    if remote is None:
        return CheckResult(
            "remote",
            "warning",
            _("no git remote: `pipeline sync` is off; add one with `git remote add origin URL`"),
        )
    syncs = _("syncs with {remote} ({url})").format(remote=remote, url=ws.git.remote_url(remote))
    return CheckResult("remote", "ok", syncs)


@check
def check_layout(ws: Workspace) -> CheckResult:
    """A large flat pipeline should move to the sharded layout (git slows with N² otherwise)."""
    files = ws.store.opportunity_files()
    flat = sum(1 for path in files if path.parent == ws.store.opportunities_dir)
    sharded = sum(1 for path in files if _in_own_bucket(path))
    if ws.config.layout == "flat" and sharded > flat:
        return CheckResult(
            "layout",
            "warning",
            _(
                "{sharded} deal files are in the sharded layout's folders but {CONFIG_FILE} "
                "says (or, with no layout: line, means) flat, so new deals go to the top "
                "folder: add `layout: sharded` to {CONFIG_FILE}"
            ).format(sharded=sharded, CONFIG_FILE=CONFIG_FILE),
        )
    if ws.config.layout != "sharded" and flat > MIGRATE_HINT_FILES:
        return CheckResult(
            "layout",
            "warning",
            _(
                "{flat} deal files in one flat folder: every commit rewrites it; "
                "run `pipeline migrate` (one commit of renames, timelines unchanged)"
            ).format(flat=flat),
        )
    layout = _("{layout} layout, {flat} files in the top folder")
    return CheckResult("layout", "ok", layout.format(layout=ws.config.layout, flat=flat))


def _in_own_bucket(path: Path) -> bool:
    """Whether a deal file sits where the sharded layout would put it (``xx/<id>.yaml``)."""
    return path.parent.name == bucket(path.stem)


def check_label(name: str) -> str:
    """A check's name for people (``name`` itself stays the JSON key)."""
    labels = {
        "files": pgettext("doctor", "files"),
        "history": pgettext("doctor", "history"),
        "merge-driver": pgettext("doctor", "merge-driver"),
        "gitattributes": pgettext("doctor", "gitattributes"),
        "remote": pgettext("doctor", "remote"),
        "layout": pgettext("doctor", "layout"),
        "hook": pgettext("doctor", "hook"),
    }
    return labels.get(name, name)
