"""Writes that follow a deal a person filed by hand outside its layout's folder.

Files dropped anywhere under ``opportunities/`` load, and ``set``/``log``
edit them in place; what comes after a write (the event rules' follow-up
commit, a time rule of ``automate run``, ``undo ID``) must find the file
where it is too, not only at the place the layout would give it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.read import parse_fast
from tests.conftest import RunCli
from tests.gitutil import git, log

RULES = """
automations:
  - name: amount check
    trigger: {changed: amount}
    actions:
      - next_step: {action: Check the amount, due: +1d}
  - name: overdue steps
    trigger: {next_step_overdue: {days: 1}}
    actions:
      - next_step: {action: Call them, due: +1d}
"""
DEAL = (
    "id: acme\ntitle: Acme\naccount: A\nstage: lead\ncreated: 2026-11-02T09:00:00+00:00\n"
    "next_step: {action: First call, due: 2026-11-03}\n"
)


def file_by_hand(repo: Path, inner: str, rules: str = "") -> Path:
    """``acme`` committed at ``opportunities/<inner>``, with ``rules`` added to pipeline.yaml."""
    config = repo / "pipeline.yaml"
    config.write_text(config.read_text("utf-8") + rules, "utf-8")
    path = repo / "opportunities" / inner
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEAL, "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "acme filed by hand")
    return path


def next_step(path: Path) -> object:
    data = parse_fast(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data.get("next_step", {}).get("action")


def test_an_event_rule_follows_up_a_write_to_a_deal_filed_by_hand(
    repo: Path, run_cli: RunCli
) -> None:
    path = file_by_hand(repo, "2025/acme.yaml", RULES)
    result = run_cli("set", "acme", "amount=5", "--at", "2026-11-03T09:00:00+00:00")
    assert result.exit_code == 0, result.stderr
    assert next_step(path) == "Check the amount"  # (it was "First call")
    assert log(repo)[:2] == [
        "automation 'amount check': next step 'Check the amount' due 2026-11-04 (acme)",
        "acme: amount (none) -> 5",
    ]
    assert git(repo, "status", "--porcelain") == ""


def test_a_time_rule_reaches_a_deal_filed_deep_by_hand(repo: Path, run_cli: RunCli) -> None:
    path = file_by_hand(repo, "archive/2025/11/acme.yaml", RULES)
    result = run_cli("automate", "run", "--now", "2026-11-10T09:00:00+00:00")
    assert result.exit_code == 0, result.stderr
    assert next_step(path) == "Call them"
    assert log(repo)[0].startswith("automation 'overdue steps'")


def test_a_follow_up_that_cannot_read_the_file_is_reported_not_raised(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_by_hand(repo, "2025/acme.yaml", RULES)
    real = Store.render_edit
    calls: list[Path] = []

    def second_read_fails(self: Store, path: Path, mutate: Callable[[Any], None]) -> Any:
        calls.append(path)
        if len(calls) > 1:  # the automation's follow-up, after the write is committed
            raise OSError(5, "Input/output error")
        return real(self, path, mutate)

    monkeypatch.setattr(Store, "render_edit", second_read_fails)
    result = run_cli("set", "acme", "amount=5")
    assert result.exit_code == 0, result.stderr
    assert log(repo)[0] == "acme: amount (none) -> 5"
    assert "pipeline: automation: acme: automation 'amount check'" in result.stderr
    assert "Input/output error" in result.stderr


@pytest.mark.parametrize("layout", ["sharded"], indirect=True)
def test_undo_by_id_finds_a_deal_filed_by_hand(repo: Path, run_cli: RunCli) -> None:
    path = file_by_hand(repo, "2025/acme.yaml")
    assert run_cli("set", "acme", "amount=5").exit_code == 0
    undone = run_cli("undo", "acme", "--yes")
    assert undone.exit_code == 0, undone.stderr
    assert path.read_text("utf-8") == DEAL
    assert log(repo)[0] == "undo: acme: amount (none) -> 5"


def test_undo_by_id_after_the_file_was_moved_undoes_the_change_not_the_move(
    repo: Path, run_cli: RunCli
) -> None:
    file_by_hand(repo, "acme.yaml")  # the flat layout's own place
    (repo / "opportunities" / "2025").mkdir()
    git(repo, "mv", "opportunities/acme.yaml", "opportunities/2025/acme.yaml")
    git(repo, "commit", "-qm", "organise")
    assert run_cli("set", "acme", "amount=5").exit_code == 0
    undone = run_cli("undo", "acme", "--yes")
    assert undone.exit_code == 0, undone.stderr
    assert (repo / "opportunities" / "2025" / "acme.yaml").read_text("utf-8") == DEAL
    assert log(repo)[:2] == ["undo: acme: amount (none) -> 5", "acme: amount (none) -> 5"]
