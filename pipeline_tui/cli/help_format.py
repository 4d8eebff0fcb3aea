"""Click's help layout measured in terminal columns, so Chinese help wraps at the edge.

Why: click counts characters and breaks lines only at spaces.  A Chinese
help text has no spaces and each character takes two columns, so click lets
it run to twice the terminal's width and misaligns option columns whose
metavar is Chinese (``--team 文件``).  :class:`ColumnHelpFormatter` lays out
such texts with :func:`~pipeline_tui.terminal_text.wrap_columns`; text
without wide characters goes to click unchanged, so English help is
byte-for-byte click's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click

from pipeline_tui.terminal_text import display_width, has_wide, wrap_columns


def _paragraphs(text: str) -> list[tuple[bool, list[str]]]:
    """``text`` split at blank lines; a paragraph opened by a ``\\b`` line is kept as written."""
    paragraphs: list[tuple[bool, list[str]]] = []
    for block in text.expandtabs().split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].strip() == "\b":
            paragraphs.append((True, lines[1:]))
        else:
            paragraphs.append((False, lines))
    return paragraphs


def wrap_help(text: str, width: int) -> list[str]:
    """``text`` as help lines at most ``width`` columns wide; paragraphs stay apart."""
    out: list[str] = []
    for raw, lines in _paragraphs(text):
        if out:
            out.append("")
        out.extend(lines if raw else wrap_columns(" ".join(lines), width))
    return out


class ColumnHelpFormatter(click.HelpFormatter):
    """A :class:`click.HelpFormatter` that measures wide characters as two columns."""

    def write_text(self, text: str) -> None:
        if not has_wide(text):
            super().write_text(text)
            return
        indent = " " * self.current_indent
        for line in wrap_help(text, max(self.width - self.current_indent, 11)):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self,
        rows: Sequence[tuple[str, str]] | Iterable[tuple[str, str]],
        col_max: int = 30,
        col_spacing: int = 2,
    ) -> None:
        rows = list(rows)
        if not any(has_wide(first) or has_wide(second) for first, second in rows):
            super().write_dl(rows, col_max, col_spacing)
            return
        first_col = min(max(display_width(first) for first, _ in rows), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        margin = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + margin)
            lines = wrap_help(second, text_width) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{margin}{line}\n" if line else "\n")


class ColumnContext(click.Context):
    """Every ``pipeline`` command's context: its help goes through :class:`ColumnHelpFormatter`."""

    formatter_class = ColumnHelpFormatter


class ColumnCommand(click.Command):
    context_class = ColumnContext


class ColumnGroup(click.Group):
    """A nested group (``automate``, ``hook``): its commands lay out help in columns too."""

    context_class = ColumnContext
    command_class = ColumnCommand
