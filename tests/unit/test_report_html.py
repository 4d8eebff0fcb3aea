"""The HTML pages (``report --html``, the digest) parsed: e-mail-ready, charts readable in full.

Mail clients drop ``<style>``, scripts and inline SVG, so the pages are
checked element by element: styles inline on every table, cell and heading;
each chart a table whose labels sit whole in cells that never set a width or
hide overflow, and whose money bars say the currency.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar

import pytest

from pipeline_tui import i18n
from pipeline_tui.reports.digest import changes_html, to_html
from pipeline_tui.reports.html import bar_chart, render_html

STYLED = {"body", "table", "td", "th", "h1", "h2", "h3", "ul", "caption"}
FORBIDDEN = {"style", "script", "svg", "link", "img", "iframe", "object"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)


class Tree(HTMLParser):
    """A small DOM: every element with its attributes, text and children."""

    VOID: ClassVar[frozenset[str]] = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data

    def walk(self, element: Element | None = None) -> Iterator[Element]:
        element = element or self.root
        for child in element.children:
            yield child
            yield from self.walk(child)

    def text_of(self, element: Element) -> str:
        return element.text + "".join(self.text_of(c) for c in element.children)


def charts(tree: Tree) -> dict[str, Element]:
    return {e.attrs["data-chart"]: e for e in tree.walk() if "data-chart" in e.attrs}


def rows(tree: Tree, chart: Element) -> list[list[Element]]:
    """The chart's rows as their three direct cells (label, bar, value)."""
    return [[c for c in row.children if c.tag == "td"] for row in chart.children if row.tag == "tr"]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


def assert_email_ready(page: str) -> Tree:
    tree = Tree(page)
    tags = {e.tag for e in tree.walk()}
    assert not tags & FORBIDDEN, tags & FORBIDDEN
    unstyled = [e.tag for e in tree.walk() if e.tag in STYLED and "style" not in e.attrs]
    assert unstyled == []
    assert "src=" not in page and "href=" not in page and "url(" not in page
    return tree


REPORT = {
    "forecast": {
        "2026-12": {"weighted": 125000.0, "count": 2},
        "2027-01": {"weighted": 4000.0, "count": 1},
    },
    "conversion": {
        "lead": {"reached": 12, "advanced": 3, "lost": 9, "rate": 0.25},
        "a very long stage name that would never fit a fixed label column": {
            "reached": 3,
            "advanced": 1,
            "lost": 2,
            "rate": 0.33,
        },
    },
}


def test_report_page_is_email_ready_and_its_charts_are_whole() -> None:
    changes = changes_html(
        {"new": [{"id": "x", "title": "Fresh", "owner": "alice", "amount": 5000.0}], "lost": []},
        "USD",
        "2026-11-13 – 2026-11-20",
    )
    tree = assert_email_ready(render_html(REPORT, "USD", "as of 2026-11-20", changes))
    found = charts(tree)
    forecast = next(chart for title, chart in found.items() if "forecast" in title.lower())
    values = [tree.text_of(cells[2]) for cells in rows(tree, forecast)]
    assert values == ["$125k", "$4k"]  # amounts carry the currency
    funnel = next(chart for title, chart in found.items() if "Funnel" in title)
    labels = [tree.text_of(cells[0]) for cells in rows(tree, funnel)]
    assert labels[1] == "a very long stage name that would never fit a fixed label column"
    for chart in found.values():
        for cells in rows(tree, chart):
            for cell in (cells[0], cells[2]):  # label and value: never cut off
                style = cell.attrs["style"]
                assert "white-space:nowrap" in style
                assert "width" not in style and "overflow" not in style
    headings = [tree.text_of(e) for e in tree.walk() if e.tag in ("h2", "h3")]
    assert headings[:3] == ["What changed 2026-11-13 – 2026-11-20", "New deals (1)", "Lost (0)"]


def test_a_chart_in_another_currency_and_language() -> None:
    i18n.set_language("zh_CN")
    tree = Tree(bar_chart("预测", ["十二月"], [125000.0], lambda v: f"CHF {v:,.0f}"))
    (chart,) = charts(tree).values()
    texts = [tree.text_of(c).strip() for c in rows(tree, chart)[0]]
    assert texts == ["十二月", "", "CHF 125,000"]
    page = render_html(REPORT, "CNY", "")
    forecast = next(c for t, c in charts(Tree(page)).items() if "预测" in t)
    assert [Tree(page).text_of(r[2]) for r in rows(Tree(page), forecast)] == ["¥12.5万", "¥4000"]


def test_digest_page_is_email_ready_with_the_forecast_in_currency() -> None:
    data = {
        "since": "2026-11-13T00:00:00+00:00",
        "until": "2026-11-20T00:00:00+00:00",
        "currency": "EUR",
        "changes": {
            "won": [
                {"id": "w", "title": "Big <win>", "owner": None, "amount": 9e4, "reason": "fit"}
            ]
        },
        "overdue_by_owner": [],
        "indicators": {"current": _indicators(), "previous": _indicators()},
        "forecast": {"before": 40000.0, "now": 65000.0},
    }
    page = to_html(data)
    tree = assert_email_ready(page)
    assert "Big &lt;win&gt;, EUR 90,000 — fit" in page
    (chart,) = charts(tree).values()
    assert [tree.text_of(r[2]) for r in rows(tree, chart)] == ["€40k", "€65k"]


def _indicators() -> dict[str, object]:
    return {
        "source_conversion": 0.5,
        "first_contact_within_sla": None,
        "stage_cycle_median_days": {},
        "profile_completeness": 0.8,
        "lost": {"count": 0, "amount": 0},
        "repeat_rate": None,
        "team_activity": {"changes": 1, "activities": 0, "moves": 0},
    }
