"""Owners come from ``team:``: a typo is refused with the team listed, ``--new-owner`` adds one.

Real repositories, the real CLI (``CliRunner``, exceptions propagate), exit
codes and parsed ``--json``; the team edit is checked in the file text and in
the commit that holds it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_tui.core.errors import RepoError
from pipeline_tui.edits import committer
from pipeline_tui.edits.workspace import Workspace
from tests.conftest import RunCli
from tests.gitutil import commit_count, deal_rel, files_in, git, log

TEAM = "unknown owner 'zed'; the team is: alice, dana"


def new_deal(run_cli: RunCli, *extra: str) -> str:
    result = run_cli("new", "ACME rollout", "--account", "ACME Corp", *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_new_with_an_unknown_owner_is_refused_and_nothing_is_written(
    run_cli: RunCli, repo: Path
) -> None:
    before = commit_count(repo)
    result = run_cli("new", "ACME rollout", "--account", "ACME Corp", "--owner", "zed")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"pipeline: {TEAM}"
    typo = run_cli("new", "X", "--account", "Y", "--set", "owner=alcie")
    assert typo.exit_code == 2
    assert "the team is: alice, dana; did you mean alice?" in typo.stderr
    assert commit_count(repo) == before
    assert not list((repo / "opportunities").rglob("*.yaml"))


def test_set_and_assign_refuse_an_unknown_owner(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--owner", "alice")
    before = commit_count(repo)
    for args in (("set", opp, "owner=zed"), ("assign", opp, "zed")):
        result = run_cli(*args)
        assert (result.exit_code, result.stderr.strip()) == (2, f"pipeline: {TEAM}")
    assert commit_count(repo) == before
    assert json.loads(run_cli("show", opp, "--json").stdout)["owner"] == "alice"
    assert run_cli("assign", opp, "dana").exit_code == 0  # a manager can own deals


def test_new_owner_joins_the_team_in_the_same_commit_with_comments_kept(
    run_cli: RunCli, repo: Path
) -> None:
    config_before = (repo / "pipeline.yaml").read_text(encoding="utf-8")
    result = run_cli(
        "new", "ACME rollout", "--account", "ACME Corp", "--owner", "zed", "--new-owner", "--json"
    )
    assert result.exit_code == 0, result.stderr
    made = json.loads(result.stdout)
    assert made["record"]["owner"] == "zed"
    assert made["message"] == f"{made['id']}: created in lead; zed added to the team"
    config_after = (repo / "pipeline.yaml").read_text(encoding="utf-8")
    assert config_after == config_before.replace(
        "  alice: {manager: dana}\n", "  alice: {manager: dana}\n  zed: {}\n"
    )
    assert sorted(files_in(repo)) == sorted([deal_rel(repo, made["id"]), "pipeline.yaml"])
    assert git(repo, "status", "--porcelain") == ""
    # zed is in the team now: no flag needed, and no warning from validate
    assert run_cli("set", made["id"], "owner=zed", "amount=5").exit_code == 0
    assert run_cli("validate").exit_code == 0
    assert "not in the team" not in run_cli("validate").stderr


def test_set_and_assign_with_new_owner_add_them_once(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--owner", "alice")
    assert run_cli("assign", opp, "erin", "--new-owner").exit_code == 0
    assert log(repo)[0] == f"{opp}: owner alice -> erin; erin added to the team"
    assert run_cli("set", opp, "owner=fay", "--new-owner").exit_code == 0
    assert log(repo)[0] == f"{opp}: owner erin -> fay; fay added to the team"
    assert run_cli("assign", opp, "erin", "--new-owner").exit_code == 0  # already there
    assert log(repo)[0] == f"{opp}: owner fay -> erin"
    assert files_in(repo) == [deal_rel(repo, opp)]
    team = (repo / "pipeline.yaml").read_text(encoding="utf-8").split("team:")[1]
    assert team.count("erin: {}") == 1 and team.count("fay: {}") == 1


def test_list_with_a_mistyped_owner_exits_2_with_the_team(run_cli: RunCli) -> None:
    opp = new_deal(run_cli, "--owner", "alice")
    result = run_cli("list", "--owner", "alcie", "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "unknown owner 'alcie'; the team is: alice, dana; did you mean alice?" in result.stderr
    listed = json.loads(run_cli("list", "--owner", "alice", "--json").stdout)
    assert [r["id"] for r in listed] == [opp]
    empty = run_cli("list", "--owner", "dana", "--json")  # in the team, owns nothing yet
    assert (empty.exit_code, json.loads(empty.stdout)) == (0, [])


def test_without_a_team_any_owner_is_accepted(run_cli: RunCli, repo: Path) -> None:
    config = repo / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  alice: {manager: dana}\n", ""), encoding="utf-8")
    git(repo, "commit", "-qam", "no team")
    opp = new_deal(run_cli, "--owner", "zed")
    assert json.loads(run_cli("show", opp, "--json").stdout)["owner"] == "zed"
    assert run_cli("assign", opp, "yan", "--new-owner").exit_code == 0  # nothing to add to
    assert files_in(repo) == [deal_rel(repo, opp)]
    assert "team:" in config.read_text(encoding="utf-8")
    assert "yan" not in config.read_text(encoding="utf-8")
    listed = run_cli("list", "--owner", "nobody", "--json")
    assert (listed.exit_code, json.loads(listed.stdout)) == (0, [])


def test_a_failed_commit_puts_back_both_the_deal_and_pipeline_yaml(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opp = new_deal(run_cli, "--owner", "alice")
    config = (repo / "pipeline.yaml").read_text(encoding="utf-8")
    deal = (repo / deal_rel(repo, opp)).read_text(encoding="utf-8")
    before = commit_count(repo)
    seen: list[str] = []

    def refuse(*args: object, **kwargs: object) -> str:
        seen.append((repo / "pipeline.yaml").read_text(encoding="utf-8"))  # written by now
        raise RepoError("git refused the commit")

    monkeypatch.setattr(committer, "commit_paths", refuse)
    with pytest.raises(RepoError):
        Workspace(repo).assign(opp, "zed", new_owner=True)
    assert "zed: {}" in seen[0]
    assert (repo / "pipeline.yaml").read_text(encoding="utf-8") == config
    assert (repo / deal_rel(repo, opp)).read_text(encoding="utf-8") == deal
    assert commit_count(repo) == before
    assert git(repo, "status", "--porcelain") == ""


def test_uncommitted_edits_to_pipeline_yaml_are_not_swept_into_the_commit(
    run_cli: RunCli, repo: Path
) -> None:
    opp = new_deal(run_cli, "--owner", "alice")
    config = repo / "pipeline.yaml"
    mine = config.read_text(encoding="utf-8") + "# my own note, not committed yet\n"
    config.write_text(mine, encoding="utf-8")
    before = commit_count(repo)
    result = run_cli("assign", opp, "zed", "--new-owner")
    assert result.exit_code == 3
    assert "pipeline.yaml has uncommitted edits" in result.stderr
    assert config.read_text(encoding="utf-8") == mine
    assert commit_count(repo) == before
