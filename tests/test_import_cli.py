"""`pipeline import` end to end: real files, a real git repo, the real CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.read import parse_fast
from tests.conftest import RunCli

DEALS = (
    "Deal ID,Deal Name,Company,Amount,Stage,Owner,Created,Close Date\n"
    "D-1,CRM rollout,ACME,120000,Proposal,alice,2026-09-01,2026-12-15\n"
    'D-2,Renewal,Globex,"5,000",won,alice,2026-08-01,2026-10-01\n'
    "D-3,Pilot,Initech,,lead,alice,2026-10-05,\n"
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def commit_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def records(repo: Path) -> dict[str, dict[str, object]]:
    """external_id -> parsed file, read straight from disk."""
    found = {}
    for path in sorted((repo / "opportunities").glob("*.yaml")):
        data = parse_fast(path.read_text(encoding="utf-8"))
        found[str(data["external_id"])] = data
    return found


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_plain_import_is_one_commit_of_valid_files(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    before = commit_count(repo)
    result = run_cli("import", str(write(tmp_path, "deals.csv", DEALS)), "--no-history", "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert [c["row"] for c in outcome["created"]] == [2, 3, 4]
    assert outcome["refused"] == []
    assert commit_count(repo) == before + 1
    assert git(repo, "status", "--porcelain") == ""
    found = records(repo)
    assert found["D-1"]["stage"] == "proposal"
    assert found["D-1"]["amount"] == 120000
    assert str(found["D-1"]["expected_close"]) == "2026-12-15"  # open deal: the planned close
    assert found["D-2"]["amount"] == 5000 and found["D-2"]["stage"] == "won"
    assert "amount" not in found["D-3"]
    assert run_cli("validate").exit_code == 0
    assert "3 created" in git(repo, "log", "-1", "--format=%s")


def test_reimport_is_idempotent_and_changed_rows_update(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = write(tmp_path, "deals.csv", DEALS)
    assert run_cli("import", str(source)).exit_code == 0
    files = sorted(p.name for p in (repo / "opportunities").iterdir())
    before = commit_count(repo)
    again = run_cli("import", str(source), "--json")
    assert again.exit_code == 0
    assert len(json.loads(again.stdout)["unchanged"]) == 3
    assert commit_count(repo) == before  # nothing to do, no empty commit

    changed = DEALS.replace(
        "CRM rollout,ACME,120000,Proposal", "CRM rollout,ACME,90000,Negotiation"
    )
    result = run_cli("import", str(write(tmp_path, "deals2.csv", changed)), "--json")
    outcome = json.loads(result.stdout)
    assert [u["row"] for u in outcome["updated"]] == [2]
    assert outcome["updated"][0]["changes"] == {
        "stage": {"old": "proposal", "new": "negotiation"},
        "amount": {"old": 120000, "new": 90000},
    }
    assert commit_count(repo) == before + 1
    assert sorted(p.name for p in (repo / "opportunities").iterdir()) == files
    assert records(repo)["D-1"]["amount"] == 90000


def test_reimport_never_undoes_hand_edits_to_rows_that_did_not_change(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = write(tmp_path, "deals.csv", DEALS)
    assert run_cli("import", str(source)).exit_code == 0
    assert run_cli("set", "pilot-d-3", "contact.email=p@initech.example").exit_code == 0
    assert run_cli("move", "pilot-d-3", "qualified").exit_code == 0
    assert run_cli("set", "renewal-d-2", "amount=6000").exit_code == 0
    before = commit_count(repo)
    again = run_cli("import", str(source), "--json")
    assert len(json.loads(again.stdout)["unchanged"]) == 3
    assert commit_count(repo) == before
    assert records(repo)["D-3"]["stage"] == "qualified"
    # the CRM changed D-2's owner: the row changed, so the file takes every value the
    # row sets (the source wins, the hand-edited amount too); fields it does not set stay
    changed = DEALS.replace('Renewal,Globex,"5,000",won,alice', 'Renewal,Globex,"5,000",won,bob')
    result = run_cli("import", str(write(tmp_path, "d2.csv", changed)), "--extend-config", "--json")
    (update,) = json.loads(result.stdout)["updated"]
    assert update["changes"] == {
        "owner": {"old": "alice", "new": "bob"},
        "amount": {"old": 6000, "new": 5000},
    }


def test_a_refused_row_means_nothing_is_written(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    bad = DEALS + "D-4,Bad,Hooli,-5,lead,alice,2026-10-05,\nD-5,Worse,Umbrella,1,Engaging,alice,,\n"
    before = commit_count(repo)
    result = run_cli("import", str(write(tmp_path, "deals.csv", bad)))
    assert result.exit_code == 1
    assert "deals.csv: row 5: error: column 'Amount': '-5' is negative" in result.stderr
    assert "deals.csv: row 6: error: column 'Stage': unknown stage 'Engaging'" in result.stderr
    assert "nothing was written" in result.stderr
    assert "stage values not in pipeline.yaml: 'Engaging' (1 rows)" in result.stderr
    assert commit_count(repo) == before
    assert not list((repo / "opportunities").glob("*.yaml"))


def test_skip_bad_imports_the_good_rows_and_lists_the_rest(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    bad = DEALS + "D-4,Bad,Hooli,lots,lead,alice,2026-10-05,\n"
    result = run_cli("import", str(write(tmp_path, "deals.csv", bad)), "--skip-bad", "--json")
    assert result.exit_code == 0
    outcome = json.loads(result.stdout)
    assert len(outcome["created"]) == 3
    assert [(p["row"], p["column"]) for p in outcome["refused"]] == [(5, "Amount")]
    assert "row 5" in result.stderr
    assert sorted(records(repo)) == ["D-1", "D-2", "D-3"]


def test_dry_run_lists_everything_and_writes_nothing(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    before = commit_count(repo)
    result = run_cli("import", str(write(tmp_path, "deals.csv", DEALS)), "--dry-run")
    assert result.exit_code == 0
    assert "row 2: create crm-rollout-d-1 (proposal): CRM rollout" in result.stdout
    assert "3 would be created" in result.stdout
    assert commit_count(repo) == before
    assert not list((repo / "opportunities").glob("*.yaml"))


def test_extend_config_lands_in_the_same_commit(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    text = "title,account,source,owner,stage,lost_reason\nA,B,Trade show,bob,lost,Too slow\n"
    source = write(tmp_path, "deals.csv", text)
    refused = run_cli("import", str(source), "--json")
    assert refused.exit_code == 1
    assert "'Trade show' is not in the sources of pipeline.yaml" in refused.stderr
    assert json.loads(refused.stdout)["unknown_values"] == {
        "source": {"Trade show": 1},
        "lost_reason": {"Too slow": 1},
        "owner": {"bob": 1},
    }
    before = commit_count(repo)
    assert run_cli("import", str(source), "--extend-config").exit_code == 0
    assert commit_count(repo) == before + 1
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert "pipeline.yaml" in changed and len(changed) == 2
    config = parse_fast((repo / "pipeline.yaml").read_text(encoding="utf-8"))
    assert config["sources"][-1] == "Trade show"
    assert config["lost_reasons"][-1] == "Too slow"
    assert "bob" in config["team"]
    assert "# Pipeline configuration" in (repo / "pipeline.yaml").read_text(encoding="utf-8")


def test_history_backdates_one_commit_per_dated_step(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    text = (
        "id,title,account,stage,created,engage_date,close_date,lost_reason\n"
        "1,A,B,won,2017-01-02,2017-01-10,2017-02-01,\n"
        "2,C,D,lost,,2017-01-10,2017-03-05,price\n"
    )
    result = run_cli("import", str(write(tmp_path, "deals.csv", text)), "--history", "--json")
    assert result.exit_code == 0, result.stderr
    # instants: 01-02 (A created), 01-10 (A engaged + C created), 02-01, 03-05
    assert json.loads(result.stdout)["commits"] == 4
    path_a = next(p for p in (repo / "opportunities").glob("a-1.yaml"))
    log = git(repo, "log", "--reverse", "--format=%aI", "--", str(path_a)).split()
    assert log == ["2017-01-02T00:00:00+00:00", "2017-01-10T00:00:00+00:00",
                   "2017-02-01T00:00:00+00:00"]  # fmt: skip
    stages = [
        parse_fast(git(repo, "show", f"{sha}:opportunities/a-1.yaml"))["stage"]
        for sha in git(repo, "log", "--reverse", "--format=%H", "--", str(path_a)).split()
    ]
    assert stages == ["lead", "qualified", "won"]
    first_c = git(repo, "log", "--reverse", "--format=%H", "--", "opportunities/c-2.yaml").split()
    snapshot = parse_fast(git(repo, "show", f"{first_c[0]}:opportunities/c-2.yaml"))
    assert snapshot["stage"] == "qualified" and "lost_reason" not in snapshot
    assert git(repo, "status", "--porcelain") == ""
    assert run_cli("validate").exit_code == 0


def test_import_refuses_to_overwrite_uncommitted_edits_and_keeps_unrelated_ones(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = write(tmp_path, "deals.csv", DEALS)
    assert run_cli("import", str(source)).exit_code == 0
    target = repo / "opportunities" / "crm-rollout-d-1.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "notes: mine\n", encoding="utf-8")
    changed = DEALS.replace("120000", "1")
    result = run_cli("import", str(write(tmp_path, "d2.csv", changed)))
    assert result.exit_code == 3
    assert "uncommitted changes in opportunities/crm-rollout-d-1.yaml" in result.stderr
    assert "notes: mine" in target.read_text(encoding="utf-8")

    git(repo, "checkout", "--", str(target))
    (repo / "scratch.txt").write_text("unrelated\n", encoding="utf-8")
    (repo / "opportunities" / "renewal-d-2.yaml").write_text("broken: [\n", encoding="utf-8")
    assert run_cli("import", str(write(tmp_path, "d3.csv", changed))).exit_code == 0
    assert (repo / "scratch.txt").read_text(encoding="utf-8") == "unrelated\n"
    assert (repo / "opportunities" / "renewal-d-2.yaml").read_text() == "broken: [\n"
    assert set(git(repo, "status", "--porcelain").splitlines()) == {
        " M opportunities/renewal-d-2.yaml",
        "?? scratch.txt",
    }
    assert "scratch.txt" not in git(repo, "show", "--name-only", "HEAD")


def test_semicolon_files_are_read_and_a_shifted_row_is_reported(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    text = "title;account;amount\nA;B;1,5\nC;D;2;extra\n"
    result = run_cli("import", str(write(tmp_path, "eu.csv", text)), "--json")
    assert result.exit_code == 1
    refused = json.loads(result.stdout)["refused"]
    assert [(p["row"], p["column"]) for p in refused] == [(2, "amount"), (3, None)]
    assert "has 4 cells but the header has 3" in refused[1]["message"]
    assert "semicolon-separated" in refused[1]["message"]


def test_wrong_delimiter_given_explicitly_gives_missing_columns(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = write(tmp_path, "deals.csv", "title;account\nA;B\n")
    result = run_cli("import", str(source), "--delimiter", ",")
    assert result.exit_code == 1
    assert "missing required column account" in result.stderr


def test_non_utf8_file_names_the_row_and_suggests_an_encoding(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = write(
        tmp_path, "latin.csv", "title,account\nA,B\nCaf\xe9,Soci\xe9t\xe9\n".encode("latin-1")
    )
    result = run_cli("import", str(source))
    assert result.exit_code == 1
    assert "latin.csv: row 3: error: not valid UTF-8 text (byte 0xe9" in result.stderr
    assert "--encoding latin-1" in result.stderr
    ok = run_cli("import", str(source), "--encoding", "latin-1", "--json")
    assert ok.exit_code == 0
    titles = {c["title"] for c in json.loads(ok.stdout)["created"]}
    assert titles == {"A", "Café"}


def test_bom_and_crlf_files_import_cleanly(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "excel.csv", "\ufefftitle,account\r\nA,B\r\n".encode())
    result = run_cli("import", str(source), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["created"][0]["title"] == "A"


def test_empty_and_header_only_files(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    empty = run_cli("import", str(write(tmp_path, "empty.csv", "")))
    assert empty.exit_code == 1
    assert "empty.csv: error: the file is empty" in empty.stderr
    header = run_cli("import", str(write(tmp_path, "header.csv", "title,account\n")))
    assert header.exit_code == 1
    assert "header row but no data rows" in header.stderr


def test_json_import(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    data = [{"id": "J1", "title": "A", "account": "B", "amount": 10, "contact": {"email": "x@y.z"}}]
    result = run_cli("import", str(write(tmp_path, "d.json", json.dumps(data))), "--json")
    assert result.exit_code == 0, result.stderr
    record = records(repo)["J1"]
    assert record["contact"] == {"email": "x@y.z"}
    assert record["amount"] == 10


def test_duplicate_rows_refuse_the_import(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(write(tmp_path, "d.csv", DEALS + DEALS.splitlines()[1] + "\n")))
    assert result.exit_code == 1
    assert "row 5: error: column 'Deal ID': duplicate of row 2 (same Deal ID 'D-1')" in (
        result.stderr
    )


def test_imported_files_load_back_through_the_store(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    assert run_cli("import", str(write(tmp_path, "deals.csv", DEALS))).exit_code == 0
    pipeline = Store(repo).load()
    assert pipeline.problems == ()
    assert sorted(r.title for r in pipeline.opportunities) == ["CRM rollout", "Pilot", "Renewal"]


def test_a_pipeline_in_a_subfolder_of_a_bigger_repo(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline_tui.cli import cli
    from pipeline_tui.storage.layout import relative_path
    from pipeline_tui.sync.setup import init_pipeline

    top = tmp_path / "company"
    top.mkdir()
    git(top, "init", "-q")
    (top / "README.md").write_text("company repo\n", encoding="utf-8")
    git(top, "add", "README.md")
    git(top, "commit", "-qm", "start")
    root = init_pipeline(top / "sales" / "deals")
    source = write(tmp_path, "deals.csv", DEALS)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--repo", str(root), "import", str(source), "--history"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert git(top, "status", "--porcelain") == ""
    names = git(top, "ls-files").split()
    assert "README.md" in names
    assert f"sales/deals/{relative_path('crm-rollout-d-1', 'sharded')}" in names
    installed = runner.invoke(cli, ["--repo", str(root), "hook", "install"])
    assert installed.exit_code == 0
    broken = root / "opportunities" / "crm-rollout-d-1.yaml"
    broken.write_text("title: [\n", encoding="utf-8")
    git(top, "add", "-A")
    refused = subprocess.run(["git", "commit", "-m", "x"], cwd=top, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "opportunities/crm-rollout-d-1.yaml:2: error: YAML syntax error" in refused.stderr


def test_a_workbook_is_refused_with_a_hint(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(write(tmp_path, "deals.xlsx", b"PK\x03\x04binary")))
    assert result.exit_code == 1
    assert "deals.xlsx: error: .xlsx is a spreadsheet workbook: save the sheet as CSV" in (
        result.stderr
    )
