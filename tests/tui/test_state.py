"""BoardState without Textual: loading, polling, filtering, the cursor and applying writes.

Plain calls on a real git repo; the screen only decides when these run.
"""

from __future__ import annotations

from pathlib import Path

from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.tui.board.filtering import BoardFilter
from pipeline_tui.tui.board.state import BoardState

from .conftest import at, fixed_now


def loaded(root: Path) -> BoardState:
    state = BoardState(Workspace(root), fixed_now)
    state.apply_records(state.read_records())
    return state


def ids(state: BoardState, stage: str) -> list[str]:
    column = state.column(stage)
    assert column is not None
    return [card.id for card in column.cards]


def errors(state: BoardState) -> list[str]:
    """Paths with errors (the sample has warnings: owners missing from the team list)."""
    return [p.path for p in state.problems if p.severity == "error"]


def test_loading_builds_every_column_and_puts_the_cursor_on_the_first_card(deals: Path) -> None:
    state = BoardState(Workspace(deals), fixed_now)
    assert not state.loaded  # every column is there, named and empty, before a file is read
    assert [(c.heading, c.cards) for c in state.columns][:2] == [("lead", ()), ("qualified", ())]
    state.apply_records(state.read_records())
    assert state.loaded and not state.history_loaded
    assert [c.stage for c in state.columns] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert ids(state, "lead") == ["acme-rollout", "globex-pilot"]
    assert (state.active_stage, state.active_id) == ("lead", "acme-rollout")
    assert state.read_uncommitted() == set()
    assert state.shown == 6 and errors(state) == []


def test_a_partial_read_does_not_move_where_the_cursor_starts(deals: Path) -> None:
    state = BoardState(Workspace(deals), fixed_now)
    loaded = state.read_records()
    late_first = [r for r in loaded.pipeline.opportunities if r.id == "globex-pilot"]
    state.apply_partial(late_first, 1, 6)  # the first file read is not the first card
    assert ids(state, "lead") == ["globex-pilot"]

    state.apply_records(loaded)

    assert ids(state, "lead") == ["acme-rollout", "globex-pilot"]
    assert (state.active_stage, state.active_id) == ("lead", "acme-rollout")


def test_history_fills_in_days_in_stage(deals: Path) -> None:
    state = loaded(deals)
    lead = state.column("lead")
    assert lead is not None and lead.cards[0].days is None
    seen: list[tuple[int, int]] = []
    state.apply_history(state.read_history(lambda done, total: seen.append((done, total))))
    assert state.history_loaded
    lead = state.column("lead")
    assert lead is not None
    assert lead.cards[0].days == 50.125  # ACME entered lead 2026-10-01 09:00, now 11-20 12:00
    view = state.deal_view("acme-rollout")
    assert view is not None and view.timeline is not None and view.history_loaded


def test_a_poll_sees_an_external_write_and_nothing_otherwise(deals: Path) -> None:
    state = loaded(deals)
    quiet = state.read_changes()  # a small pipeline is walked at every poll: the same files
    assert quiet is None or not quiet.changed
    Workspace(deals).move("huawei-crm", "proposal", at=at("2026-11-18"))
    reload = state.read_changes()
    assert reload is not None
    assert reload.files == {"opportunities/huawei-crm.yaml"} and reload.git
    assert ids(state, "qualified") == ["huawei-crm"]  # read_* changes nothing
    state.apply_reload(reload)
    assert ids(state, "proposal") == ["huawei-crm", "initech-renewal"]
    assert ids(state, "qualified") == []
    again = state.read_changes()  # git status may have refreshed .git/index meanwhile
    assert again is None or not again.files


def test_a_poll_answer_older_than_a_write_keeps_the_write(deals: Path) -> None:
    state = loaded(deals)
    (deals / "opportunities" / "globex-pilot.yaml").write_text(
        "id: globex-pilot\ntitle: [unclosed\n", encoding="utf-8"
    )
    reload = state.read_changes()
    assert reload is not None
    change = Workspace(deals).move("huawei-crm", "proposal")
    state.apply_change(change)  # lands on the UI thread before the poll's answer
    state.apply_reload(reload)
    assert "huawei-crm" in ids(state, "proposal")
    assert ids(state, "lead") == ["acme-rollout"]
    assert errors(state) == ["opportunities/globex-pilot.yaml"]


def test_a_write_touches_its_two_columns_and_the_cursor_can_follow(deals: Path) -> None:
    state = loaded(deals)
    state.select("qualified", 0)
    assert state.active_id == "huawei-crm"
    change = Workspace(deals).move("huawei-crm", "proposal")
    touched = state.apply_change(change)
    assert touched == {"qualified", "proposal"}
    assert state.active_stage == "qualified" and state.active_id is None  # now empty
    assert state.follow(change.record) == {"qualified", "proposal"}
    assert (state.active_stage, state.active_id) == ("proposal", "huawei-crm")
    closed = Workspace(deals).close("huawei-crm", "won", None)
    state.apply_change(closed)
    assert state.follow(closed.record) == set()  # won is collapsed: the cursor stays


def test_filter_cursor_and_closed_columns(deals: Path) -> None:
    state = loaded(deals)
    assert state.set_filter(BoardFilter(owner="alice"))
    assert not state.set_filter(BoardFilter(owner="alice"))  # same filter: nothing to do
    assert ids(state, "lead") == ["acme-rollout"] and state.shown == 3
    assert state.owners() == ("alice", "bob", "王芳")
    assert state.set_filter(BoardFilter())
    assert state.cursor_y(1) and state.active_id == "globex-pilot"
    assert state.cursor_x(1) == {"lead", "qualified"}
    assert state.active_id == "huawei-crm"  # row 1 does not exist there: clamped
    assert state.cursor_x(10) == {"qualified", "negotiation"}
    assert state.cursor_x(1) == set()  # won and lost are collapsed
    state.toggle_closed()
    assert state.cursor_x(1) == {"negotiation", "won"}
    record = state.record("umbrella-deal")
    assert record is not None
    assert state.move_target(record, -1) == "negotiation"  # reopening
    assert state.move_target(record, 1) is None


def test_deal_view_marks_a_vanished_deal_gone_with_its_problems(deals: Path) -> None:
    state = loaded(deals)
    view = state.deal_view("globex-pilot")
    assert view is not None and not view.gone and view.probability == 0.1
    (deals / "opportunities" / "globex-pilot.yaml").write_text("id: [\n", encoding="utf-8")
    reload = state.read_changes()
    assert reload is not None
    state.apply_reload(reload)
    assert state.deal_view("globex-pilot") is None
    gone = state.deal_view("globex-pilot", view)
    assert gone is not None and gone.gone and gone.record is view.record
    assert {p.path for p in gone.problems} == {"opportunities/globex-pilot.yaml"}
    assert any(p.severity == "error" for p in gone.problems)


def test_pipeline_yaml_changes_restart_reload_or_report(deals: Path) -> None:
    state = loaded(deals)
    config = deals / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text("stages: [\n", encoding="utf-8")
    reload = state.read_changes()
    assert reload is not None and reload.config
    assert state.apply_config(reload.snapshot) == "broken"
    assert errors(state) == ["pipeline.yaml"]
    config.write_text(text, encoding="utf-8")
    assert state.apply_config(reload.snapshot) == "reload" and errors(state) == []
    config.write_text(
        text.replace("  - {name: won,", "  - {name: contract, probability: 0.9}\n  - {name: won,"),
        encoding="utf-8",
    )
    assert state.apply_config(reload.snapshot) == "restart"
