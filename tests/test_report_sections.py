"""The section rows: consistent with each other, translated, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

from pipeline_tui.i18n import catalog
from pipeline_tui.reports.sections import CHART_NAMES, PANES, SECTIONS, by_key, pane_sections


def test_every_function_a_row_names_exists() -> None:
    for section in SECTIONS:
        assert callable(section.metric()), section.compute
        assert callable(section.table_builder()), section.tables
        chart = section.chart_series()
        assert (chart is None) == (section.chart is None)
    assert CHART_NAMES == ("stages", "conversion", "forecast")


def test_names_keys_and_panes_agree() -> None:
    assert len({s.name for s in SECTIONS}) == len({s.key for s in SECTIONS}) == len(SECTIONS)
    assert by_key("first-contact") is by_key("first_contact")
    assert by_key("first_contact").name == "first-contact"
    pane_ids = [pane.id for pane in PANES]
    assert len(set(pane_ids)) == len(pane_ids)
    assert {s.pane for s in SECTIONS} == set(pane_ids)  # no pane empty, none unknown
    assert [s.key for s in pane_sections(PANES[0])] == ["summary", "leaderboard"]


def test_every_title_is_translated_to_chinese() -> None:
    translations = catalog("zh_CN")
    titles = {s.title for s in SECTIONS} | {p.title for p in PANES}
    assert sorted(t for t in titles if not translations.get(t)) == []


def test_importing_the_rows_imports_no_metric() -> None:
    code = (
        "import sys, pipeline_tui.reports.sections as s; s.NAMES; "
        "print(sorted(m for m in sys.modules if m.startswith('pipeline_tui.reports.') "
        "and m != 'pipeline_tui.reports.sections'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
