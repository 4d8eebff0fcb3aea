"""The agenda screen: `d` on the board, grouped by day, enter opens a deal, `a` schedules the
follow-up; and the agenda as the first screen when the user's settings say so.

The clock is frozen at the fixture's NOW for the app and for the writes, so the
activity a test logs is dated inside the agenda's "now".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Checkbox, DataTable, Input

from pipeline_tui.core import clock
from pipeline_tui.core.model import Opportunity, Pipeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.tui.agenda.screen import GROUP_ROWS, AgendaScreen
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.deal.forms import LogForm
from pipeline_tui.yaml.read import parse_fast

from .conftest import NOW, SIZE, commit_count, git, make_app, settle

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def read(root: Path, opp_id: str) -> dict[str, object]:
    data = parse_fast((root / "opportunities" / f"{opp_id}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def shape(screen: AgendaScreen) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    return [
        (g.group, g.day.isoformat() if g.day else None, [(i.kind, i.id) for i in g.items])
        for g in screen.groups
    ]


#: The fixture at 2026-11-20 12:00: ACME (lead since 10-01, next step due 11-01, never
#: touched), Globex (lead since 11-10, never touched), Huawei (qualified since 09-20) and
#: Initech (proposal since 09-01), neither with a next step; the closed two are left out.
EVERYONE = [
    (
        "overdue",
        None,
        [
            ("first_contact", "acme-rollout"),  # SLA ran out on 10-02
            ("next_step", "acme-rollout"),  # due 11-01
            ("first_contact", "globex-pilot"),  # SLA ran out on 11-11
        ],
    ),
    (
        "today",
        "2026-11-20",
        [
            ("stale", "huawei-crm"),  # 300k, 61 days in qualified (max 21)
            ("stale", "acme-rollout"),  # 120k, 50 days in lead (max 14)
            ("stale", "initech-renewal"),  # 80k, 80 days in proposal (max 21)
            ("no_next_step", "huawei-crm"),
            ("no_next_step", "initech-renewal"),
        ],
    ),
]


async def test_d_opens_the_agenda_grouped_by_day(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        assert screen.owner is None  # "Test User" is not in the team: everyone's agenda
        assert shape(screen) == EVERYONE
        table = screen.query_one(DataTable)
        assert table.row_count == 2 + 8  # two headings, eight items
        assert str(table.get_row_at(0)[0]).startswith("Overdue (3)")
        assert str(table.get_row_at(4)[0]).startswith("Today · Fri 2026-11-20 (5)")
        assert table.get_row_at(1)[1:] == ["ACME rollout", "ACME Corp", "$120k", "alice"]
        assert "First contact: SLA passed" in str(table.get_row_at(1)[0])
        assert "Send quote (19 days overdue)" in str(table.get_row_at(2)[0])
        await pilot.press("escape")
        assert not isinstance(app.screen, AgendaScreen)


async def test_enter_on_an_item_opens_the_deal(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("down", "down")  # the third overdue item: Globex's first contact
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.opp_id == "globex-pilot"


async def test_a_on_the_agenda_logs_a_call_and_schedules_the_follow_up(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        agenda = app.screen
        assert isinstance(agenda, AgendaScreen)
        before = commit_count(deals)
        await pilot.press("down")  # ACME's overdue next step
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, LogForm)
        assert form.query_one("#done", Checkbox).label.plain == "Done: Send quote (2026-11-01)"
        form.query_one("#at", Input).value = "today 10:30"
        form.query_one("#note", Input).value = "Went through the quote"
        form.query_one("#next", Input).value = "Send revised quote"
        form.query_one("#due", Input).value = "+3d"
        await pilot.click("#submit")
        await settle(pilot)
        assert app.screen is agenda and isinstance(agenda, AgendaScreen)
        assert commit_count(deals) == before + 1  # the activity and the next step: one commit
        assert git(deals, "log", "-1", "--format=%s%n%aI").split("\n")[:2] == [
            "acme-rollout: logged call: Went through the quote; "
            "next: Send revised quote (due 2026-11-23)",
            "2026-11-20T10:30:00+00:00",
        ]
        data = read(deals, "acme-rollout")
        assert data["next_step"] == {"due": date(2026, 11, 23), "action": "Send revised quote"}
        activities = data["activities"]
        assert isinstance(activities, list)
        assert activities[-1]["kind"] == "call"
        # The agenda followed: ACME was contacted, its next step moved to Monday.
        groups = shape(agenda)
        assert groups[0] == ("overdue", None, [("first_contact", "globex-pilot")])
        assert groups[-1] == ("upcoming", "2026-11-23", [("next_step", "acme-rollout")])


async def test_a_bad_due_date_is_explained_in_the_form(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")  # on the board: ACME, the first lead
        form = app.screen
        assert isinstance(form, LogForm)
        form.query_one("#note", Input).value = "Called"
        form.query_one("#due", Input).value = "someday"
        await pilot.click("#submit")
        assert app.screen is form
        assert "'someday' is not a date" in str(form.query_one(".form-status").render())


async def test_the_done_box_alone_clears_the_next_step(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, LogForm)
        form.query_one("#done", Checkbox).value = True
        await pilot.click("#submit")
        await settle(pilot)
        assert "next_step" not in read(deals, "acme-rollout")
        assert git(deals, "log", "-1", "--format=%s").strip() == (
            "acme-rollout: logged call: Done: Send quote"
        )


async def test_the_agenda_is_the_first_screen_when_the_settings_say_so(
    deals: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_home = tmp_path / "config"
    (config_home / "pipeline-tui").mkdir(parents=True)
    (config_home / "pipeline-tui" / "settings.yaml").write_text(
        "# mine\nagenda: true   # start on today's work\n", encoding="utf-8"
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        assert not screen.loading  # filled in once the board had loaded
        assert shape(screen) == EVERYONE
        await pilot.press("escape")  # the board is underneath
        assert app.screen is app.board


class AgendaOnly(App[None]):
    """Just the agenda screen, on a pipeline built in memory."""

    def __init__(self, screen: AgendaScreen) -> None:
        super().__init__()
        self.agenda = screen

    def on_mount(self) -> None:
        self.push_screen(self.agenda)


async def test_a_long_day_shows_its_first_rows_then_all_on_enter(repo: Path) -> None:
    config = Workspace(repo).config
    records = tuple(
        Opportunity.from_mapping(
            {"id": f"d-{n:03d}", "title": f"Deal {n}", "account": "A", "stage": "qualified",
             "created": "2026-11-19T09:00:00+00:00", "amount": n, "owner": "alice"},
            f"opportunities/d-{n:03d}.yaml",
        )
        for n in range(GROUP_ROWS + 20)
    )  # fmt: skip
    screen = AgendaScreen(Pipeline(config, records), {}, lambda: NOW, None)
    async with AgendaOnly(screen).run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = screen.query_one(DataTable)
        assert screen.total == GROUP_ROWS + 20  # no next step on any: today's work
        assert table.row_count == 1 + GROUP_ROWS + 1
        assert str(table.get_row_at(GROUP_ROWS + 1)[0]).strip() == "… 20 more (enter shows them)"
        assert table.get_row_at(1)[1] == f"Deal {GROUP_ROWS + 19}"  # the largest first
        table.move_cursor(row=GROUP_ROWS + 1)
        await pilot.press("enter")
        await pilot.pause()
        assert table.row_count == 1 + GROUP_ROWS + 20
        assert table.get_row_at(GROUP_ROWS + 20)[1] == "Deal 0"
        assert isinstance(pilot.app.screen, AgendaScreen)  # the more row opened no deal
