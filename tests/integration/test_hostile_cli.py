"""Command-line arguments and repository states that used to go wrong: one clear line each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline_tui.cli import cli
from pipeline_tui.core.errors import ExitCode
from tests.conftest import RunCli
from tests.gitutil import commit_count, deal_rel, git, log


def new_deal(run_cli: RunCli, opp_id: str = "acme") -> str:
    result = run_cli("new", "Rollout", "--account", "ACME", "--id", opp_id)
    assert result.exit_code == 0, result.stderr
    return opp_id


# ------------------------------------------------------------------ 9: won and lost stages


NO_TERMINAL = """\
stages:
  - {name: lead, probability: 0.1}
  - {name: proposal, probability: 0.5}
lost_reasons: [price]
"""

ONE_TERMINAL = NO_TERMINAL + "  - {name: done, probability: 1.0, terminal: true}\n"


@pytest.mark.parametrize(
    "config",
    [NO_TERMINAL, ONE_TERMINAL.replace("lost_reasons: [price]\n", "") + "lost_reasons: [price]\n"],
)
def test_config_without_a_won_and_a_lost_stage_is_invalid(
    run_cli: RunCli, repo: Path, config: str
) -> None:
    deal = new_deal(run_cli)
    (repo / "pipeline.yaml").write_text(config, encoding="utf-8")
    result = run_cli("validate")
    assert result.exit_code == 1
    assert "pipeline.yaml:1: error: stages: needs a won and a lost stage" in result.stderr
    before = commit_count(repo)
    result = run_cli("close", deal, "lost", "--reason", "price")
    assert result.exit_code == 1
    assert "needs a won and a lost stage" in result.stderr and "Traceback" not in result.stderr
    assert commit_count(repo) == before


# ------------------------------------------------------------------ 10: --at git cannot store


@pytest.mark.parametrize(
    "when",
    ["0001-01-01", "0001-01-01T00:00+01:00", "1969-12-31T23:00:00+00:00", "1970-01-01T00:30+01:00",
     "2100-01-01", "9999-12-31T23:59+00:00"],
)  # fmt: skip
def test_at_outside_what_git_can_record_is_refused(run_cli: RunCli, repo: Path, when: str) -> None:
    deal = new_deal(run_cli)
    before = commit_count(repo)
    result = run_cli("log", deal, "--note", "call", "--at", when)
    assert result.exit_code == ExitCode.USAGE
    assert "outside the dates git can record: 1970-01-01 to 2099-12-31" in result.stderr
    assert "Traceback" not in result.stderr
    assert commit_count(repo) == before


def test_at_early_in_the_range_is_what_git_records(run_cli: RunCli, repo: Path) -> None:
    result = run_cli(
        "new", "Old", "--account", "ACME", "--id", "old", "--at", "1970-01-02T12:00+00:00"
    )
    assert result.exit_code == 0, result.stderr
    assert log(repo, "%aI")[0] == "1970-01-02T12:00:00+00:00"
    assert "created: 1970-01-02T12:00:00+00:00" in (repo / "opportunities").joinpath(
        *deal_rel(repo, "old").split("/")[1:]
    ).read_text(encoding="utf-8")


# ------------------------------------------------------------------ 12: --as takes a plain name


@pytest.mark.parametrize("name", ["eve <x@y>", "alice\nmallory", "al\x1bice", " alice", ""])
def test_as_refuses_what_is_not_a_plain_name(run_cli: RunCli, repo: Path, name: str) -> None:
    new_deal(run_cli)
    before = commit_count(repo)
    result = run_cli("--as", name, "log", "acme", "--note", "call")
    assert result.exit_code == ExitCode.USAGE
    assert "give a plain name" in result.stderr
    assert commit_count(repo) == before


def test_as_a_plain_name_is_git_author_and_by(run_cli: RunCli, repo: Path) -> None:
    new_deal(run_cli)
    ok = run_cli("--as", "王芳", "log", "acme", "--note", "call")
    assert ok.exit_code == 0, ok.stderr
    assert log(repo, "%an")[0] == "王芳"
    assert "by: 王芳" in (repo / deal_rel(repo, "acme")).read_text(encoding="utf-8")


# ------------------------------------------------------------------ 13: sync mid-rebase


def test_sync_during_a_half_finished_rebase_says_how_to_finish_it(
    run_cli: RunCli, repo: Path
) -> None:
    git(repo, "remote", "add", "origin", str(repo))
    (repo / "README.md").write_text("base\n", encoding="utf-8")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "base")
    git(repo, "switch", "-qc", "other")
    (repo / "README.md").write_text("theirs\n", encoding="utf-8")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "switch", "-q", "main")
    (repo / "README.md").write_text("ours\n", encoding="utf-8")
    git(repo, "commit", "-qam", "ours")
    with pytest.raises(Exception):  # noqa: B017 - git's exit status, any CalledProcessError
        git(repo, "rebase", "other")
    assert (repo / ".git" / "rebase-merge").is_dir() or (repo / ".git" / "rebase-apply").is_dir()
    result = run_cli("sync")
    assert result.exit_code == ExitCode.REPO
    assert "a rebase is in progress" in result.stderr
    assert "git rebase --continue" in result.stderr and "git rebase --abort" in result.stderr
    assert "detached" not in result.stderr


# ------------------------------------------------------------------ 14: stale has its own code


def test_stale_findings_exit_with_their_own_code(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("stale").exit_code == 0
    result = run_cli("new", "Old", "--account", "ACME", "--id", "old", "--at", "2020-01-01")
    assert result.exit_code == 0, result.stderr
    result = run_cli("stale")
    assert result.exit_code == ExitCode.STALE
    assert int(ExitCode.STALE) == 4
    assert "old" in result.stdout
    codes = {code.value for code in ExitCode}
    assert len(codes) == len(ExitCode)  # nothing else uses 4
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`4` `pipeline stale` found stale deals" in readme


# ------------------------------------------------------------------ exit codes and one-line errors


def run_at(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--repo", str(folder), *args], catch_exceptions=False)


def test_a_folder_outside_git_is_exit_3_in_every_list_format(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    new_deal(run_cli)
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(repo / "pipeline.yaml", plain / "pipeline.yaml")
    shutil.copytree(repo / "opportunities", plain / "opportunities")
    for args in (("list",), ("list", "--json"), ("list", "--csv"), ("list",)):
        result = run_at(plain, *args)
        assert result.exit_code == ExitCode.REPO, args
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"pipeline: {plain} is not inside a git repository: run `git init` there, or "
            "create a pipeline with `pipeline init DIR`"
        ]
    assert run_at(plain, "validate").exit_code == 0  # checking the files needs no history


def test_undo_in_a_repository_without_commits_has_nothing_to_undo(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "opportunities").mkdir()
    (folder / "pipeline.yaml").write_text(NO_TERMINAL, encoding="utf-8")
    git(folder, "init", "-q")
    result = run_at(folder, "undo", "--yes")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == "pipeline: nothing to undo: this repository has no commits yet\n"


def test_an_invalid_pipeline_yaml_is_one_line_per_problem(run_cli: RunCli, repo: Path) -> None:
    deal = new_deal(run_cli)
    config = repo / "pipeline.yaml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(lines) + "<<<<<<< ours\n=======\n>>>>>>> theirs\n", "utf-8")
    result = run_cli("set", deal, "amount=5")
    assert result.exit_code == ExitCode.PROBLEMS
    assert result.stderr.splitlines() == [
        f"pipeline: pipeline.yaml is invalid, fix it first: pipeline.yaml:{len(lines) + 1}: "
        "error: unresolved merge conflict markers: keep the lines you want, delete the "
        "<<<<<<< ======= >>>>>>> lines, then commit pipeline.yaml"
    ]
