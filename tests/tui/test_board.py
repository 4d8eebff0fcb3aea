"""The board, driven through the real app with the pilot, writing to a real git repo."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Input, OptionList, Select

from pipeline_tui.tui.board.filter_form import FilterForm
from pipeline_tui.tui.deal.detail import DetailScreen
from pipeline_tui.tui.deal.forms import CloseForm, LogForm, RecordForm
from pipeline_tui.tui.help import HelpScreen
from pipeline_tui.tui.messages import CardChosen
from pipeline_tui.tui.metrics.screen import MetricsScreen
from pipeline_tui.tui.widgets.column import StageColumn
from pipeline_tui.yaml.read import parse_fast

from .conftest import SIZE, board_of, card_ids, commit_count, git, make_app, settle

pytestmark = pytest.mark.asyncio


def read(root: Path, opp_id: str) -> dict[str, object]:
    data = parse_fast((root / "opportunities" / f"{opp_id}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


async def test_board_shows_open_stages_with_counts_totals_and_collapsed_closed(
    deals: Path,
) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        # Biggest deal first within a column.
        assert card_ids(board, "lead") == ["acme-rollout", "globex-pilot"]
        assert card_ids(board, "qualified") == ["huawei-crm"]
        assert card_ids(board, "proposal") == ["initech-renewal"]
        widgets = {w.stage: w for w in app.screen.query(StageColumn)}
        assert widgets["lead"].border_title == "lead"
        assert widgets["lead"].border_subtitle == "2 · $160k"  # 120000 + 40000
        assert widgets["won"].has_class("-collapsed")
        assert widgets["lost"].has_class("-collapsed")
        assert not widgets["lead"].has_class("-collapsed")
        # ACME's next step was due 2026-11-01, before the fixed "now" (2026-11-20).
        lead = next(c for c in board.state.columns if c.stage == "lead")
        assert lead.cards[0].overdue and not lead.cards[1].overdue
        await pilot.press("c")
        assert not widgets["won"].has_class("-collapsed")
        assert card_ids(board, "won") == ["umbrella-deal"]


async def test_arrows_and_hjkl_move_the_selection(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        assert (board.state.active_stage, board.state.active_id) == ("lead", "acme-rollout")
        await pilot.press("j")
        assert board.state.active_id == "globex-pilot"
        await pilot.press("down")  # stays on the last card
        assert board.state.active_id == "globex-pilot"
        await pilot.press("l")
        assert (board.state.active_stage, board.state.active_id) == ("qualified", "huawei-crm")
        await pilot.press("right", "right")
        assert board.state.active_stage == "negotiation" and board.state.active_id is None
        await pilot.press("right")  # won/lost are collapsed: not reachable
        assert board.state.active_stage == "negotiation"
        await pilot.press("h", "h", "h", "G")
        assert board.state.active_id == "globex-pilot"
        await pilot.press("g")
        assert board.state.active_id == "acme-rollout"
        await pilot.press("r")  # reload from disk keeps the selection
        await settle(pilot)
        assert (board.state.active_stage, board.state.active_id) == ("lead", "acme-rollout")
        await pilot.press("l", "l", "l")
        await pilot.press("h", "left", "up", "k")
        assert (board.state.active_stage, board.state.active_id) == ("qualified", "huawei-crm")


async def test_shift_right_moves_the_card_with_exactly_one_commit(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        await pilot.press("l")  # huawei-crm in qualified
        before = commit_count(deals)
        await pilot.press("shift+right")
        await settle(pilot)
        assert commit_count(deals) == before + 1
        assert git(deals, "log", "-1", "--format=%s") == "huawei-crm: stage qualified -> proposal\n"
        changed = git(deals, "show", "--name-only", "--format=", "HEAD").split()
        assert changed == ["opportunities/huawei-crm.yaml"]
        assert read(deals, "huawei-crm")["stage"] == "proposal"
        assert read(deals, "huawei-crm")["notes"] == "客户希望年底前上线。"
        # The card follows: it is in proposal and still selected.
        assert "huawei-crm" in card_ids(board, "proposal")
        assert "huawei-crm" not in card_ids(board, "qualified")
        assert (board.state.active_stage, board.state.active_id) == ("proposal", "huawei-crm")
        await pilot.press("shift+left")
        await settle(pilot)
        assert commit_count(deals) == before + 2
        assert read(deals, "huawei-crm")["stage"] == "qualified"


async def test_requires_prompt_fills_missing_fields_then_moves(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = commit_count(deals)
        await pilot.press("shift+right")  # acme -> qualified requires contact.email
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        assert [s.key for s in form.specs] == ["contact.email"]
        assert "contact.email" in form.heading
        await pilot.press(*"not-an-email")
        assert "contact.email" in form.errors  # refused as you type, like validate
        await pilot.press("enter")
        assert isinstance(app.screen, RecordForm) and commit_count(deals) == before
        form.query_one(Input).value = "jane@acme.example"
        await pilot.pause()
        assert form.errors == {}
        await pilot.press("enter")
        await settle(pilot)
        assert commit_count(deals) == before + 2  # the fields, then the move
        subjects = git(deals, "log", "-2", "--format=%s").splitlines()
        assert subjects == [
            "acme-rollout: stage lead -> qualified",
            "acme-rollout: contact.email (none) -> jane@acme.example",
        ]
        data = read(deals, "acme-rollout")
        assert data["stage"] == "qualified"
        assert data["contact"] == {"email": "jane@acme.example"}


async def test_requires_prompt_cancel_changes_nothing(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = commit_count(deals)
        await pilot.press("shift+right")
        await settle(pilot)
        assert isinstance(app.screen, RecordForm)
        await pilot.press("escape")
        await settle(pilot)
        assert commit_count(deals) == before
        assert read(deals, "acme-rollout")["stage"] == "lead"


async def test_close_lost_asks_for_a_configured_reason(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        await pilot.press("j")  # globex-pilot
        before = commit_count(deals)
        await pilot.press("x")
        form = app.screen
        assert isinstance(form, CloseForm)
        reasons = form.query_one(OptionList)
        assert [str(reasons.get_option_at_index(i).prompt) for i in range(2)] == [
            "price",
            "competitor",
        ]
        await pilot.press("down", "enter")  # competitor
        await settle(pilot)
        assert commit_count(deals) == before + 1
        assert git(deals, "log", "-1", "--format=%s").strip() == (
            "globex-pilot: stage lead -> lost (competitor)"
        )
        data = read(deals, "globex-pilot")
        assert (data["stage"], data["lost_reason"]) == ("lost", "competitor")
        assert card_ids(board, "lead") == ["acme-rollout"]
        assert board.state.active_id == "acme-rollout"  # the cursor stays in the column


async def test_close_won_with_optional_reason(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        assert isinstance(app.screen, CloseForm)
        app.screen.query_one("#reason", Input).value = "best fit"
        await pilot.press("enter")
        await settle(pilot)
        data = read(deals, "acme-rollout")
        assert (data["stage"], data["won_reason"]) == ("won", "best fit")


async def test_filter_by_text_and_owner_then_clear(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, FilterForm)
        await pilot.press(*"华为", "enter")
        await settle(pilot)
        assert card_ids(board, "lead") == []
        assert card_ids(board, "qualified") == ["huawei-crm"]
        bar = app.screen.query_one("#filter-bar")
        assert bar.display and "华为" in str(bar.render())
        await pilot.press("escape")
        assert card_ids(board, "lead") == ["acme-rollout", "globex-pilot"]
        assert not app.screen.query_one("#filter-bar").display
        await pilot.press("slash")
        form = app.screen
        assert isinstance(form, FilterForm)
        form.query_one("#owner").value = "alice"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert card_ids(board, "lead") == ["acme-rollout"]
        assert card_ids(board, "proposal") == ["initech-renewal"]
        assert card_ids(board, "qualified") == []


async def test_new_opportunity_form_validates_and_commits_once(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        before = commit_count(deals)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, RecordForm)
        assert {"title", "account"} <= set(form.errors)  # required, so Save is off
        form.query_one(form.field_id("title"), Input).value = "Wayne deal"
        form.query_one(form.field_id("account"), Input).value = "Wayne Enterprises"
        form.query_one(form.field_id("amount"), Input).focus()
        await pilot.press("1", "2", "k")  # typed: checked on every key
        assert "amount" in form.errors  # not a number
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, RecordForm) and commit_count(deals) == before
        await pilot.press("backspace", "ctrl+s")  # "12" is a number
        await settle(pilot)
        assert commit_count(deals) == before + 1
        created = git(deals, "log", "-1", "--format=%s").strip()
        assert created.endswith(": created in lead")
        new_id = created.split(":")[0]
        data = read(deals, new_id)
        assert (data["title"], data["account"], data["amount"]) == (
            "Wayne deal",
            "Wayne Enterprises",
            12,
        )
        assert board.state.active_id == new_id


async def test_edit_commits_only_the_changed_field(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = commit_count(deals)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, RecordForm)
        amount = form.query_one(form.field_id("amount"), Input)
        assert amount.value == "120000"
        amount.value = "150000"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert commit_count(deals) == before + 1
        assert git(deals, "log", "-1", "--format=%s").strip() == (
            "acme-rollout: amount 120000 -> 150000"
        )
        assert read(deals, "acme-rollout")["amount"] == 150000


async def test_log_activity(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, LogForm)
        form = app.screen
        form.query_one("#note", Input).value = "Called Jane"
        await pilot.press("enter")
        await settle(pilot)
        assert git(deals, "log", "-1", "--format=%s").strip() == (
            "acme-rollout: logged call: Called Jane"
        )
        activities = read(deals, "acme-rollout")["activities"]
        assert isinstance(activities, list)
        assert activities[-1]["kind"] == "call" and activities[-1]["note"] == "Called Jane"


async def test_enter_opens_detail_and_escape_returns(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.record.id == "huawei-crm"
        assert "客户希望年底前上线。" in str(detail.query_one("#notes").render())
        await pilot.press("escape")
        assert board_of(pilot) is app.screen


async def test_help_metrics_theme_and_quit(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MetricsScreen)
        await pilot.press("escape")
        dark = app.theme
        await pilot.press("t")
        assert app.theme != dark
        await pilot.press("q")
    assert app.return_code == 0


async def test_every_footer_binding_is_in_the_command_palette(deals: Path) -> None:
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = {command.title for command in app.get_system_commands(app.screen)}
        shown = {
            active.binding.description
            for active in app.screen.active_bindings.values()
            if active.binding.show
        }
        assert shown <= names
        assert {"Move →", "Filter", "New", "Won", "Lost", "Help", "Quit"} <= names


async def test_no_color_board_and_detail_render(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(deals)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert card_ids(board_of(pilot), "lead") == ["acme-rollout", "globex-pilot"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)


async def test_mouse_click_selects_and_double_click_opens(deals: Path) -> None:
    app = make_app(deals)
    chosen: list[CardChosen] = []

    def hook(message: Message) -> None:
        # Called at every node the message bubbles through: keep each message once.
        if isinstance(message, CardChosen) and all(m is not message for m in chosen):
            chosen.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        await pilot.click("#column-1 CardList", offset=(3, 1))  # huawei-crm, 2nd line
        # The column only reports the click; the board decided what it means.
        assert [(m.stage, m.index, m.open) for m in chosen] == [("qualified", 0, False)]
        assert (board.state.active_stage, board.state.active_id) == ("qualified", "huawei-crm")
        await pilot.click("#column-0 CardList", offset=(3, 5))  # second card of lead
        assert board.state.active_id == "globex-pilot"
        await pilot.click("#column-0 CardList", offset=(3, 5), times=2)
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.record.id == "globex-pilot"
        await pilot.press("escape")
        await pilot.click("#column-5")  # the collapsed lost column
        assert card_ids(board, "lost") == ["hooli-trial"]
        assert not app.screen.query_one("#column-5").has_class("-collapsed")


async def test_filter_choices_read_as_labels_and_filter_by_the_stored_value(deals: Path) -> None:
    """``value_labels:`` names a source for people; the filter still matches the files' value."""
    config = deals / "pipeline.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "value_labels:\n  source:\n    website: Web form\n",
        encoding="utf-8",
    )
    git(deals, "commit", "-qam", "label the website source")
    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        await pilot.press("slash")
        form = app.screen
        assert isinstance(form, FilterForm)
        options = form.query_one("#source", Select).query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "Web form" in prompts and "website" not in prompts and "referral" in prompts
        form.query_one("#source", Select).value = "website"
        await pilot.press("enter")
        await settle(pilot)
        assert card_ids(board, "lead") == ["globex-pilot"]
        assert board.state.filter.source == "website"
