"""Ids resolved through the files next to a CRM export (``User.csv``, ``Account.csv``)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline_tui.yaml.read import parse_fast
from tests.conftest import RunCli

OPPORTUNITIES = (
    "Id,AccountId,Name,StageName,Amount,CloseDate,IsClosed,IsWon,OwnerId,CreatedDate\n"
    "0061,001A,Deal one,Prospecting,100,2025-03-28,false,false,005A,2025-01-14T15:32:11.000Z\n"
    "0062,001B,Deal two,Prospecting,100,2025-03-28,false,false,005Z,2025-01-14T15:32:11.000Z\n"
    "0063,001C,Deal three,Prospecting,100,2025-03-28,false,false,005Z,2025-01-14T15:32:11.000Z\n"
    "0064,001C,Deal four,Prospecting,100,2025-03-28,false,false,005B,2025-01-14T15:32:11.000Z\n"
)


def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "User.csv").write_text("Id,Name\n005A,Alice A\n005B,Bob B\n", encoding="utf-8")
    (folder / "Account.csv").write_text("Id,Name\n001A,Acme\n001B,Beta\n", encoding="utf-8")
    source = folder / "Opportunity.csv"
    source.write_text(OPPORTUNITIES, encoding="utf-8")
    return source


def test_ids_missing_from_the_lookup_files_are_warned_about_and_never_join_the_team(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = export(tmp_path)
    result = run_cli("import", str(source), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["config_added"]["team"] == ["Alice A", "Bob B"]  # not '005Z'
    found = {
        (w["column"], w["row"]): w["message"]
        for w in outcome["warnings"]
        if " is not in User.csv" in w["message"] or " is not in Account.csv" in w["message"]
    }
    assert set(found) == {("OwnerId", 3), ("OwnerId", 4), ("AccountId", 4), ("AccountId", 5)}
    assert found[("OwnerId", 3)].startswith("'005Z' is not in User.csv: kept as it is")
    assert found[("AccountId", 4)].startswith("'001C' is not in Account.csv: kept as it is")
    printed = run_cli("import", str(source))
    assert printed.exit_code == 0, printed.output
    assert (
        "Opportunity.csv: warning: column 'OwnerId': '005Z' is not in User.csv: kept as it is"
    ) in printed.stderr
    assert "(2 rows like this: 3, 4)" in printed.stderr
    team = parse_fast((repo / "pipeline.yaml").read_text(encoding="utf-8"))["team"]
    assert "005Z" not in team and "Bob B" in team
    mapped = run_cli("import", str(source), "--dry-run", "--json", "--map", "owner:005Z=alice")
    warnings = json.loads(mapped.stdout)["warnings"]
    assert not [w for w in warnings if w["column"] == "OwnerId"]  # a mapped id is not looked up
