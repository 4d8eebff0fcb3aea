"""Edge cases a user hits: free text in `set`, impossible numbers and dates, repairs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.cli.values import parse_scalar
from tests.conftest import RunCli
from tests.gitutil import commit_count, git, log


def deal(run_cli: RunCli, *extra: str) -> str:
    result = run_cli("new", "Deal", "--account", "A", "--at", "2026-09-01", *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    "text",
    [
        "#2 follow-up call",
        "Tom # Sales",
        "Call: discuss pricing",
        "*urgent* call",
        "[a, b",
        "- x",
        "yes",
        "Re: renewal",
    ],
)
def test_free_text_is_kept_verbatim(text: str) -> None:
    assert parse_scalar(text) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120000", 120000),
        ("0.6", 0.6),
        ("true", True),
        ("", None),
        ("null", None),
        ("[b2b, vip]", ["b2b", "vip"]),
    ],
)
def test_numbers_booleans_lists_and_unset_are_typed(text: str, value: object) -> None:
    assert parse_scalar(text) == value


def test_set_keeps_text_with_hash_and_colon(run_cli: RunCli) -> None:
    opp = deal(run_cli)
    result = run_cli("set", opp, "next_step.action=#2 follow-up: pricing", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"]["next_step"] == {"action": "#2 follow-up: pricing"}


@pytest.mark.parametrize(
    "args", [("--amount", "inf"), ("--amount", "nan"), ("--set", "amount=.inf")]
)
def test_non_finite_amounts_are_refused(run_cli: RunCli, repo: Path, args: tuple[str, str]) -> None:
    before = commit_count(repo)
    result = run_cli("new", "X", "--account", "A", *args)
    assert result.exit_code in (1, 2)
    assert "finite" in result.stderr
    assert commit_count(repo) == before


def test_dotted_key_under_a_plain_value_is_a_usage_error(run_cli: RunCli) -> None:
    opp = deal(run_cli, "--set", "region=EMEA")
    result = run_cli("set", opp, "region.code=1")
    assert result.exit_code == 2
    assert "plain value" in result.stderr
    mixed = run_cli(
        "new", "T", "--account", "A", "--set", "contact=foo", "--set", "contact.email=x@y.z"
    )
    assert mixed.exit_code == 2


def test_at_before_creation_or_in_the_future_is_refused(run_cli: RunCli, repo: Path) -> None:
    opp = deal(run_cli)
    before = commit_count(repo)
    typo = run_cli("log", opp, "--note", "x", "--at", "2025-09-02")
    assert typo.exit_code == 2 and "before the deal was created" in typo.stderr
    future = run_cli("log", opp, "--note", "x", "--at", "2099-01-01")
    assert future.exit_code == 2 and "in the future" in future.stderr
    assert commit_count(repo) == before


def test_setting_the_same_value_changes_nothing(run_cli: RunCli, repo: Path) -> None:
    opp = deal(run_cli, "--amount", "10")
    before = commit_count(repo)
    result = run_cli("set", opp, "amount=10")
    assert result.exit_code == 0
    assert "nothing changed" in result.stderr
    assert commit_count(repo) == before


def test_set_repairs_an_invalid_file(run_cli: RunCli, repo: Path) -> None:
    opp = deal(run_cli, "--amount", "10")
    path = repo / "opportunities" / f"{opp}.yaml"
    path.write_text(path.read_text("utf-8").replace("amount: 10", "amount: -10"), "utf-8")
    git(repo, "commit", "-qam", "typo by hand")
    assert run_cli("show", opp).exit_code == 1
    fixed = run_cli("set", opp, "amount=10")
    assert fixed.exit_code == 0, fixed.stderr
    assert log(repo)[0] == f"{opp}: amount -10 -> 10"
    assert run_cli("validate").exit_code == 0


def test_reopening_and_closing_the_other_way_drops_the_old_reason(run_cli: RunCli) -> None:
    opp = deal(run_cli)
    run_cli("close", opp, "lost", "--reason", "price")
    run_cli("close", opp, "won", "--reason", "came back")
    shown = json.loads(run_cli("show", opp, "--json").stdout)
    assert shown["stage"] == "won" and shown["won_reason"] == "came back"
    assert "lost_reason" not in shown


def test_uncommitted_edits_in_the_same_file_are_not_swept_in(run_cli: RunCli, repo: Path) -> None:
    opp = deal(run_cli)
    path = repo / "opportunities" / f"{opp}.yaml"
    path.write_text(path.read_text("utf-8") + "# my own note\n", "utf-8")
    before = commit_count(repo)
    result = run_cli("set", opp, "amount=5")
    assert result.exit_code == 3
    assert "uncommitted edits" in result.stderr
    assert commit_count(repo) == before
    assert path.read_text("utf-8").endswith("# my own note\n")


def test_crlf_files_keep_their_line_endings(run_cli: RunCli, repo: Path) -> None:
    text = "id: win\r\ntitle: T\r\naccount: A\r\nstage: lead\r\ncreated: 2026-09-01\r\n"
    path = repo / "opportunities" / "win.yaml"
    path.write_bytes(text.encode())
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "from a Windows editor")
    assert run_cli("set", "win", "title=New").exit_code == 0
    assert path.read_bytes() == text.replace("title: T", "title: New").encode()


def test_detached_head_is_refused(run_cli: RunCli, repo: Path) -> None:
    opp = deal(run_cli)
    git(repo, "checkout", "-q", "--detach")
    result = run_cli("log", opp, "--note", "x")
    assert result.exit_code == 3
    assert "HEAD is detached" in result.stderr


def test_unknown_filter_values_are_usage_errors(run_cli: RunCli) -> None:
    deal(run_cli)
    assert run_cli("list", "--stage", "Proposal").exit_code == 2
    assert run_cli("list", "--source", "nope").exit_code == 2
    assert run_cli("list", "--stage", "lead").exit_code == 0


def test_assign_refuses_an_empty_owner(run_cli: RunCli) -> None:
    opp = deal(run_cli)
    assert run_cli("assign", opp, "  ").exit_code == 2


def test_a_pipeline_outside_git_asks_for_git_init_in_every_list_format(
    run_cli: RunCli, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``list`` and ``list --json`` alike: exit 3 and how to get a repository (README)."""
    deal(run_cli)
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above it

    def run(*args: str) -> tuple[int, str, str]:
        done = CliRunner().invoke(cli, ["--repo", str(plain), *args], catch_exceptions=False)
        return done.exit_code, done.stdout, done.stderr

    for args in (("list",), ("list", "--json")):
        code, out, err = run(*args)
        assert code == 3 and out == ""
        assert err.strip() == (
            f"pipeline: {plain} is not inside a git repository: run `git init` there,"
            " or create a pipeline with `pipeline init DIR`"
        )
    code, out, _err = run("validate")
    assert code == 0 and "0 errors" in out
