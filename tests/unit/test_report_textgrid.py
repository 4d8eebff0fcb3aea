"""The report's own table layout prints exactly what tabulate prints for the same cells."""

from __future__ import annotations

import pytest
import tabulate
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.reports.textgrid import Align, Format, grid

#: Cells a report shows, and the ones tabulate treats apart (wide, zero-width,
#: colour codes, line breaks, tabs, surrounding blanks, separator marks).
SAMPLES = (
    "acme",
    "",
    " padded ",
    "–",
    "张伟",
    "李雷公司",
    "e\u0301",
    "\x1b[31mred\x1b[0m",
    "two\nlines",
    "tab\there",
    "1,234",
    "$1,000",
    "12.5%",
    "\x01",
    "ｗｉｄｅ",
)
CELL = st.one_of(st.sampled_from(SAMPLES), st.text(max_size=12))


def reference(
    columns: list[list[str]], headers: list[str], aligns: list[Align], fmt: Format
) -> str:
    tabulate.WIDE_CHARS_MODE = True
    rows = [list(row) for row in zip(*columns, strict=True)]
    return tabulate.tabulate(
        rows, headers=headers, tablefmt=fmt, colalign=aligns, disable_numparse=True
    )


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[str]], list[str], list[Align]]:
    width = draw(st.integers(1, 4))
    height = draw(st.integers(1, 6))
    columns = [draw(st.lists(CELL, min_size=height, max_size=height)) for _ in range(width)]
    headers = draw(st.lists(CELL, min_size=width, max_size=width))
    aligns: list[Align] = draw(
        st.lists(st.sampled_from(["left", "right"]), min_size=width, max_size=width)
    )
    return columns, headers, aligns


@settings(max_examples=400, deadline=None)
@given(table=tables(), fmt=st.sampled_from(["simple", "github"]))
def test_grid_prints_what_tabulate_prints(
    table: tuple[list[list[str]], list[str], list[Align]], fmt: Format
) -> None:
    columns, headers, aligns = table
    assert grid(columns, headers, aligns, fmt) == reference(columns, headers, aligns, fmt)


@pytest.mark.parametrize("fmt", ["simple", "github"])
def test_a_long_report_table_lines_up_like_tabulate(fmt: Format) -> None:
    ids = [f"deal-{n:05d}" for n in range(300)]
    owners = ["alice", "张伟", "–"] * 100
    days = [f"{n * 1.5:.1f}" for n in range(300)]
    columns = [ids, owners, days]
    headers = ["ID", "负责人", "Days"]
    aligns: list[Align] = ["left", "left", "right"]
    assert grid(columns, headers, aligns, fmt) == reference(columns, headers, aligns, fmt)
