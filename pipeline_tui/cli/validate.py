"""``pipeline validate``: every file checked against the schemas and ``pipeline.yaml``.

A module of its own (not :mod:`.records`) because it only reads: it opens a
:class:`~pipeline_tui.storage.store.Store`, not a workspace, and imports
neither the history engine, the listing nor the round-trip YAML editor, which
a cold ``validate`` of 10,000 files would otherwise pay for at every start.
"""

from __future__ import annotations

import click

from pipeline_tui.automation import has_rules
from pipeline_tui.cli.base import (
    Context,
    cli,
    echo,
    long_lived_objects,
    output_options,
    report_problems,
)
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.i18n import _
from pipeline_tui.tabular import Format, render_rows


@cli.command()
@output_options
@click.pass_obj
def validate(obj: Context, fmt: Format) -> None:
    """Check every file against the schemas and pipeline.yaml; exit 0 only if all are valid."""
    store = obj.store()
    with long_lived_objects():
        pipeline = store.load()
    problems = list(pipeline.problems)
    if has_rules(store.config_path):
        from pipeline_tui.automation.engine import load_rules

        problems[:0] = load_rules(store, pipeline.config).problems
    errors = [p for p in problems if p.severity == "error"]
    if fmt is Format.TABLE:
        report_problems(problems)
        checked = len(store.opportunity_entries())  # no Path per file: 10,000 of them
        echo(
            _("{checked} files checked: {n_errors} errors, {value} warnings").format(
                checked=checked, n_errors=len(errors), value=len(problems) - len(errors)
            )
        )
    else:
        columns = ("path", "line", "field", "severity", "message")
        echo(render_rows([p.to_json() for p in problems], columns, fmt))
    if errors:
        obj.conclude(ExitCode.PROBLEMS)
