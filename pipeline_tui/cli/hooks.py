"""``pipeline hook``: the git pre-commit hook that validates hand-edited files."""

from __future__ import annotations

import click

from pipeline_tui.cli.base import Context, cli, echo, report
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.i18n import _
from pipeline_tui.sync.precommit import install_hook, staged_problems


@cli.group()
def hook() -> None:
    """The git pre-commit hook that validates hand-edited files before they are committed."""


@hook.command("install")
@click.option("--force", is_flag=True, help="Replace an existing pre-commit hook.")
@click.pass_obj
def hook_install(obj: Context, force: bool) -> None:
    """Install the pre-commit hook in this pipeline's git repository."""
    ws = obj.workspace()
    path = install_hook(ws.store, ws.git, force)
    echo(
        _("Installed {path}: commits with broken opportunity files are now refused.").format(
            path=path
        )
    )


@hook.command("run")
@click.pass_obj
def hook_run(obj: Context) -> None:
    """Check the staged opportunity files and pipeline.yaml (what the hook runs)."""
    ws = obj.workspace()
    checked, problems = staged_problems(ws.store, ws.git)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        echo(str(problem), err=True)
    if errors:
        report(
            _(
                "commit refused: {n_errors} problems in {checked} staged files; fix "
                "them and `git add` again (or commit with --no-verify to skip this "
                "check)"
            ).format(n_errors=len(errors), checked=checked)
        )
        raise SystemExit(ExitCode.PROBLEMS)
