"""The problems panel: files the board could not read, named with line and field.

A broken file never takes the board down: the good deals stay on screen and
this panel tells what to fix where.  It opens only for errors (a file left
off the board); warnings such as an owner missing from the team list are
counted in its title and shown on the deal's detail screen instead, so they
never eat the board's space.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from pipeline_tui.core.model import Problem
from pipeline_tui.i18n import _
from pipeline_tui.terminal_text import printable

MAX_SHOWN = 50


class ProblemsPanel(Static):
    """Lists errors; hidden when there are none."""

    def show(self, problems: Sequence[Problem]) -> None:
        ordered = sorted(
            (p for p in problems if p.severity == "error"), key=lambda p: (p.path, p.line or 0)
        )
        warnings = sum(1 for p in problems if p.severity != "error")
        self.display = bool(ordered)
        self.border_title = f"{_('Problems')} ({len(ordered)})"
        if warnings:
            self.border_title += " · " + _("{count} warnings").format(count=warnings)
        text = Text()
        for index, problem in enumerate(ordered[:MAX_SHOWN]):
            if index:
                text.append("\n")
            where = problem.path if problem.line is None else f"{problem.path}:{problem.line}"
            text.append(printable(where), style="bold")
            style = "red" if problem.severity == "error" else "yellow"
            text.append(f" {problem.severity}", style=style)
            what = f"{problem.field}: {problem.message}" if problem.field else problem.message
            text.append(f" {printable(what)}")
        if len(ordered) > MAX_SHOWN:
            text.append(f"\n… {len(ordered) - MAX_SHOWN} more (pipeline validate)")
        self.update(text)
