"""``--help`` fits the terminal in both languages: Chinese wraps by columns, English is click's.

Click counts characters and breaks only at spaces, so before
:class:`~pipeline_tui.cli.help_format.ColumnHelpFormatter` a Chinese help
page ran to about 120 columns and option texts with a Chinese metavar sat two
columns off.  These tests run the real CLI's every ``--help``.
"""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.cli.help_format import ColumnHelpFormatter, wrap_help
from pipeline_tui.terminal_text import display_width, wrap_columns


def _commands() -> list[tuple[str, ...]]:
    """Every command path: ``("list",)``, and the nested ``("automate", "run")``."""
    paths: list[tuple[str, ...]] = [()]
    ctx = click.Context(cli)
    for name in sorted(cli.list_commands(ctx)):
        command = cli.get_command(ctx, name)
        paths.append((name,))
        if isinstance(command, click.Group):
            paths.extend((name, sub) for sub in sorted(command.commands))
    return paths


def _help(path: tuple[str, ...], lang: str) -> str:
    result = CliRunner(env={"LANG": lang, "COLUMNS": "80"}).invoke(
        cli, [*path, "--help"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("lang", ["zh_CN.UTF-8", "en_US.UTF-8"])
def test_every_help_page_fits_80_columns(lang: str) -> None:
    too_wide = [
        f"{' '.join(path) or 'pipeline'}: {line!r}"
        for path in _commands()
        for line in _help(path, lang).splitlines()
        if display_width(line) > 80 and " " in line.strip()  # one unbreakable word may run on
    ]
    assert too_wide == []


def test_chinese_option_texts_start_in_one_column() -> None:
    """``--team 文件`` (a wide metavar) lines its text up with ``--dry-run``'s."""
    lines = _help(("import",), "zh_CN.UTF-8").splitlines()
    team = next(line for line in lines if line.lstrip().startswith("--team"))
    dry_run = next(line for line in lines if line.lstrip().startswith("--dry-run"))
    assert "文件" in team or "FILE" in team  # the metavar's language is that of the import

    def text_column(line: str) -> int:
        return display_width(line) - display_width(re.split(r"\s{2,}", line.strip())[-1])

    assert text_column(team) == text_column(dry_run) == 34


def test_english_help_is_clicks_own_layout() -> None:
    """Without wide characters the formatter writes exactly what click's writes."""
    text = "Import every row.\n\nAll or nothing: " + "checked first, " * 12
    rows = [("--map COLUMN=FIELD", "Read " * 30), ("--dry-run", "Show what would happen.")]
    ours, clicks = ColumnHelpFormatter(width=80), click.HelpFormatter(width=80)
    for formatter in (ours, clicks):
        formatter.write_text(text)
        formatter.write_dl(rows)
    assert ours.getvalue() == clicks.getvalue()


def test_wrap_breaks_between_chinese_characters_and_keeps_punctuation() -> None:
    lines = wrap_columns("要么全部成功，要么什么都不写：先检查每一行（除非使用 --skip-bad）。", 20)
    assert lines == [
        "要么全部成功，要么什",
        "么都不写：先检查每一",
        "行（除非使用",
        "--skip-bad）。",
    ]
    assert all(display_width(line) <= 20 for line in lines)


def test_wrap_keeps_english_words_whole_and_joins_chinese_lines() -> None:
    assert wrap_columns("hello world foo", 11) == ["hello world", "foo"]
    assert wrap_columns("a verylongword b", 5) == ["a", "verylongword", "b"]
    assert wrap_columns("第一行\n第二行", 40) == [
        "第一行第二行"
    ]  # a source line break adds no space
    assert wrap_columns("", 10) == []


def test_wrap_help_keeps_paragraphs_and_verbatim_blocks() -> None:
    text = "第一段文字。\n\n\b\n  pipeline automate run    执行\n  pipeline sync\n\n末段。"
    assert wrap_help(text, 40) == [
        "第一段文字。",
        "",
        "  pipeline automate run    执行",
        "  pipeline sync",
        "",
        "末段。",
    ]
