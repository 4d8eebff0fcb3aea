"""The everyday commands end to end: real repo, real CLI, parsed JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.cli.base import COMMAND_MODULES
from pipeline_tui.edits.ids import SUFFIX_LENGTH
from tests.conftest import RunCli
from tests.gitutil import commit_count, deal_path, files_in, git, log


def new_deal(run_cli: RunCli, *extra: str) -> str:
    result = run_cli("new", "CRM rollout for ACME", "--account", "ACME Corp", *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_init_creates_repo_with_one_commit(repo: Path) -> None:
    assert (repo / "pipeline.yaml").read_text(encoding="utf-8").startswith("# Pipeline")
    assert log(repo) == ["pipeline: initialize"]
    assert files_in(repo) == [".gitattributes", "pipeline.yaml"]


def test_init_keeps_an_existing_history(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    git(target, "init", "-q")
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    git(target, "add", "notes.txt")
    git(target, "commit", "-qm", "my own work")
    result = CliRunner().invoke(cli, ["init", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert log(target) == ["pipeline: initialize", "my own work"]


def test_init_refuses_an_existing_pipeline(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(repo)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "already a pipeline" in result.stderr
    assert commit_count(repo) == 1


def test_new_prints_a_collision_resistant_id(run_cli: RunCli, repo: Path) -> None:
    first = new_deal(run_cli)
    second = new_deal(run_cli)
    assert first != second
    prefix = "crm-rollout-for-acme-"
    assert first.startswith(prefix) and len(first) == len(prefix) + SUFFIX_LENGTH
    assert (repo / "opportunities" / f"{first}.yaml").is_file()
    assert log(repo)[:2] == [f"{second}: created in lead", f"{first}: created in lead"]


def test_new_with_all_options_and_json(run_cli: RunCli, repo: Path) -> None:
    result = run_cli(
        "new",
        "Renewal 2027",
        "--account",
        "Beta Ltd",
        "--amount",
        "5000",
        "--owner",
        "alice",
        "--source",
        "referral",
        "--id",
        "beta-renewal",
        "--at",
        "2026-09-01T10:00:00+00:00",
        "--set",
        "tags=[b2b]",
        "--set",
        "contact.email=bo@beta.example",
        "--set",
        "region=EMEA",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    record = payload["record"]
    assert payload["id"] == "beta-renewal"
    assert record["amount"] == 5000 and record["owner"] == "alice"
    assert record["contact"] == {"email": "bo@beta.example"}
    assert record["region"] == "EMEA"  # a custom field is kept
    assert record["created"] == "2026-09-01T10:00:00+00:00"
    assert log(repo, "%ad|%an")[0] == "Tue Sep 1 10:00:00 2026 +0000|Test User"


def test_show_json_has_every_field_and_custom_ones(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--set", "region=EMEA", "--amount", "10")
    shown = json.loads(run_cli("show", opp, "--json").stdout)
    assert shown["id"] == opp and shown["account"] == "ACME Corp" and shown["region"] == "EMEA"
    assert shown["path"] == f"opportunities/{opp}.yaml"
    text = run_cli("show", opp).stdout
    assert "region:" in text and "ACME Corp" in text


def test_list_filters_sorts_and_formats(run_cli: RunCli) -> None:
    a = new_deal(run_cli, "--owner", "alice", "--amount", "300", "--source", "website")
    b = new_deal(run_cli, "--owner", "dana", "--amount", "100", "--source", "event")
    run_cli("set", b, "tags=[vip]")
    listed = json.loads(run_cli("list", "--json").stdout)
    assert {r["id"] for r in listed} == {a, b}
    assert [r["id"] for r in json.loads(run_cli("list", "--owner", "dana", "--json").stdout)] == [b]
    assert [r["id"] for r in json.loads(run_cli("list", "--tag", "vip", "--json").stdout)] == [b]
    assert [r["id"] for r in json.loads(run_cli("list", "--sort", "amount", "--json").stdout)] == [
        b,
        a,
    ]
    assert json.loads(run_cli("list", "--query", "nothing-like-it", "--json").stdout) == []
    csv_out = run_cli("list", "--csv", "--source", "website").stdout.splitlines()
    assert csv_out[0].startswith("id,title,account,stage") and csv_out[1].startswith(a)
    table = run_cli("list").stdout
    assert a in table and b in table


def test_set_parses_yaml_scalars_and_removes_empty(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--amount", "100")
    result = run_cli(
        "set",
        opp,
        "amount=120000",
        "probability=0.6",
        "next_step.action=Call back",
        "next_step.due=2026-12-01",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)["record"]
    assert record["amount"] == 120000 and record["probability"] == 0.6
    assert record["next_step"] == {"action": "Call back", "due": "2026-12-01"}
    assert (
        log(repo)[0] == f"{opp}: amount 100 -> 120000; probability (none) -> 0.6; "
        "next_step.action (none) -> Call back; next_step.due (none) -> 2026-12-01"
    )
    run_cli("set", opp, "probability=")
    assert "probability" not in json.loads(run_cli("show", opp, "--json").stdout)


def test_move_enforces_requires_then_moves(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--at", "2026-09-01")
    before = commit_count(repo)
    refused = run_cli("move", opp, "qualified")
    assert refused.exit_code == 1
    assert "requires contact.email" in refused.stderr
    assert commit_count(repo) == before
    run_cli("set", opp, "contact.email=jane@acme.example")
    moved = run_cli("move", opp, "qualified", "--note", "Budget confirmed", "--at", "2026-10-02")
    assert moved.exit_code == 0, moved.stderr
    assert log(repo)[0] == f"{opp}: stage lead -> qualified"
    assert files_in(repo) == [f"opportunities/{opp}.yaml"]
    shown = json.loads(run_cli("show", opp, "--json").stdout)
    assert shown["stage"] == "qualified"
    assert shown["activities"][-1]["note"] == "Budget confirmed"


def test_move_to_unknown_stage_is_a_usage_error(run_cli: RunCli) -> None:
    opp = new_deal(run_cli)
    result = run_cli("move", opp, "nowhere")
    assert result.exit_code == 2
    assert "unknown stage 'nowhere'" in result.stderr


def test_log_appends_activity_with_author(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--at", "2026-09-01")
    result = run_cli(
        "--as",
        "carol",
        "log",
        opp,
        "--kind",
        "call",
        "--note",
        "Intro call",
        "--at",
        "2026-09-02T09:30:00+00:00",
    )
    assert result.exit_code == 0, result.stderr
    activity = json.loads(run_cli("show", opp, "--json").stdout)["activities"][0]
    assert activity == {
        "at": "2026-09-02T09:30:00+00:00",
        "kind": "call",
        "by": "carol",
        "note": "Intro call",
    }
    assert log(repo, "%an|%s")[0] == f"carol|{opp}: logged call: Intro call"


def test_close_lost_needs_a_listed_reason(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli)
    before = commit_count(repo)
    assert run_cli("close", opp, "lost").exit_code == 2
    bad = run_cli("close", opp, "lost", "--reason", "weather")
    assert bad.exit_code == 1
    assert "lost_reason" in bad.stderr and "'weather' is not one of" in bad.stderr
    assert commit_count(repo) == before
    ok = run_cli("close", opp, "lost", "--reason", "price")
    assert ok.exit_code == 0
    assert log(repo)[0] == f"{opp}: stage lead -> lost (price)"


def test_close_won_and_assign(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--owner", "alice")
    assert run_cli("close", opp, "won", "--reason", "fastest rollout").exit_code == 0
    assert run_cli("assign", opp, "dana").exit_code == 0  # the manager is in the team too
    shown = json.loads(run_cli("show", opp, "--json").stdout)
    assert (shown["stage"], shown["won_reason"], shown["owner"]) == (
        "won",
        "fastest rollout",
        "dana",
    )
    assert log(repo)[0] == f"{opp}: owner alice -> dana"


def test_scripted_session_reads_as_an_audit_trail(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--id", "acme", "--at", "2026-09-01")
    run_cli("--as", "alice", "set", opp, "contact.email=j@acme.example", "--at", "2026-09-02")
    run_cli("--as", "alice", "move", opp, "qualified", "--at", "2026-09-03")
    run_cli("--as", "bob", "close", opp, "won", "--at", "2026-09-10")
    lines = log(repo, "%an|%ad|%s")
    assert [line.split("|")[0] for line in lines[:4]] == ["bob", "alice", "alice", "Test User"]
    assert [line.split("|")[2] for line in lines[:4]] == [
        "acme: stage qualified -> won",
        "acme: stage lead -> qualified",
        "acme: contact.email (none) -> j@acme.example",
        "acme: created in lead",
    ]
    assert lines[0].split("|")[1].startswith("Thu Sep 10 00:00:00 2026")


def test_bad_at_is_a_usage_error(run_cli: RunCli) -> None:
    opp = new_deal(run_cli)
    result = run_cli("log", opp, "--note", "x", "--at", "the day before")
    assert result.exit_code == 2
    assert "not an ISO date" in result.stderr


def test_unknown_id_is_reported(run_cli: RunCli) -> None:
    result = run_cli("show", "no-such-deal")
    assert result.exit_code == 2
    assert "no opportunity 'no-such-deal'" in result.stderr


def test_ids_that_escape_opportunities_are_refused(run_cli: RunCli, repo: Path) -> None:
    for bad in ("../pipeline", "../../etc/passwd", "a/b", ".hidden"):
        result = run_cli("show", bad)
        assert result.exit_code == 2, bad
        assert "invalid id" in result.stderr
    created = run_cli("new", "X", "--account", "Y", "--id", "../evil")
    assert created.exit_code == 2
    assert not (repo / "evil.yaml").exists()


def test_no_repo_found_is_a_repo_error(tmp_path: Path, monkeypatch: object) -> None:
    result = CliRunner().invoke(cli, ["--repo", str(tmp_path), "list"], catch_exceptions=False)
    assert result.exit_code == 3
    assert "no pipeline.yaml" in result.stderr


def test_bare_command_without_terminal_prints_help() -> None:
    result = CliRunner().invoke(cli, [], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Usage: pipeline" in result.stdout


def test_completion_script_and_id_completion(run_cli: RunCli, repo: Path) -> None:
    opp = new_deal(run_cli, "--id", "acme-one")
    assert "_PIPELINE_COMPLETE" in run_cli("completion", "bash").stdout
    env = {
        "_PIPELINE_COMPLETE": "bash_complete",
        "COMP_WORDS": "pipeline show acme",
        "COMP_CWORD": "2",
        "PIPELINE_REPO": str(repo),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="pipeline")
    assert f"plain,{opp}" in result.stdout


def test_importing_the_cli_does_not_import_textual() -> None:
    code = "import sys, pipeline_tui.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_command_module_is_registered() -> None:
    """Each command loads from a fresh interpreter, and every command module is mapped."""
    code = (
        "import click; from pipeline_tui.cli import cli\n"
        "ctx = click.Context(cli)\n"
        "names = [n for n in cli.list_commands(ctx) if cli.get_command(ctx, n) is not None]\n"
        "print(' '.join(names))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    expected = {
        "automate",
        "digest",
        "init",
        "new",
        "show",
        "list",
        "set",
        "move",
        "log",
        "close",
        "assign",
        "validate",
        "demo",
        "tui",
        "completion",
        "history",
        "agenda",
        "report",
        "stale",
        "forecast",
        "sync",
        "resolve",
        "doctor",
        "migrate",
        "import",
        "export",
        "hook",
        "merge-driver",
        "undo",
    }
    assert set(out.stdout.split()) == expected
    modules = Path(__file__).resolve().parents[2] / "pipeline_tui" / "cli"
    command_modules = {p.stem for p in modules.glob("*.py")} - {
        "__init__",
        "base",
        "values",
        "listing",
        "help_format",
        "teardown",
    }
    assert command_modules == set(COMMAND_MODULES.values())


def test_a_hidden_draft_is_no_deal_now_as_of_or_in_history(run_cli: RunCli, repo: Path) -> None:
    # The store never reads a hidden name under opportunities/; neither may history.
    draft = repo / "opportunities" / ".drafts" / "draft.yaml"
    draft.parent.mkdir(parents=True)
    draft.write_text(
        "id: draft\ntitle: Draft\naccount: A\nstage: lead\n"
        "created: 2026-11-01T09:00:00+00:00\namount: 500\n",
        encoding="utf-8",
    )
    git(repo, "add", "-f", "opportunities/.drafts/draft.yaml")
    git(repo, "commit", "-q", "-m", "a draft kept aside")
    later = "2026-11-20T00:00:00+00:00"
    for args in (("report", "summary"), ("report", "summary", "--as-of", later)):
        result = run_cli(*args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["summary"]["open"] == 0, args
    exported = run_cli("export", "--format", "json", "--as-of", later)
    assert exported.exit_code == 0 and "draft" not in exported.stdout
    assert run_cli("history", "draft").exit_code != 0


def test_a_broken_deal_is_found_by_a_few_letters_and_says_what_is_wrong(
    run_cli: RunCli, repo: Path
) -> None:
    opp = run_cli("new", "Big deal", "--account", "ACME").stdout.strip()
    path = deal_path(repo, opp)
    path.write_text(path.read_text("utf-8").replace("stage: lead", "stage: nowhere"), "utf-8")
    shown = run_cli("show", opp[:6])
    assert shown.exit_code == 1
    assert "is invalid" in shown.stderr and "unknown stage 'nowhere'" in shown.stderr
    assert "no opportunity" not in shown.stderr


def test_a_key_that_nearly_spells_a_field_gets_a_word(run_cli: RunCli) -> None:
    opp = run_cli("new", "T", "--account", "A").stdout.strip()
    typo = run_cli("set", opp, "amout=5", "contact.emial=j@a.example")
    assert typo.exit_code == 0  # written: custom fields are allowed
    assert "amout: not a field pipeline knows" in typo.stderr and "amount?" in typo.stderr
    assert "did you mean contact.email?" in typo.stderr
    custom = run_cli("set", opp, "competitor=Globex", "amount=7")
    assert custom.exit_code == 0 and "not a field" not in custom.stderr


def test_sort_by_a_field_no_deal_has_is_a_usage_error(run_cli: RunCli) -> None:
    opp = run_cli("new", "T", "--account", "A", "--amount", "5").stdout.strip()
    run_cli("set", opp, "competitor=Globex")
    typo = run_cli("list", "--sort", "amout")
    assert typo.exit_code == 2 and "--sort 'amout': no deal has that field" in typo.stderr
    assert typo.stdout == ""
    for field in (
        "amount",
        "competitor",
        "expected_close",
    ):  # known, or a custom field some deal has
        assert run_cli("list", "--sort", field).exit_code == 0, field
