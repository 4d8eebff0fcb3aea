"""`pipeline export`: CSV a spreadsheet reads safely, JSON, and the round trip back in."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.conftest import RunCli


def _new(run_cli: RunCli, *args: str) -> None:
    assert run_cli("new", *args).exit_code == 0


def test_csv_export_escapes_formulas_and_writes_iso_dates(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    _new(run_cli, "=cmd|' /C calc'!A0", "--account", "@SUM(1+1)", "--amount", "5000",
         "--id", "evil", "--at", "2026-03-04T05:06:07+00:00")  # fmt: skip
    _new(run_cli, "Plain", "--account", "-2 Corp", "--id", "plain", "--set", "notes=+1 555")
    out = tmp_path / "out.csv"
    result = run_cli("export", "-o", str(out))
    assert result.exit_code == 0
    assert "wrote 2 opportunities" in result.stderr
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8")))}
    assert rows["evil"]["title"] == "'=cmd|' /C calc'!A0"
    assert rows["evil"]["account"] == "'@SUM(1+1)"
    assert rows["evil"]["amount"] == "5000"
    assert rows["evil"]["created"] == "2026-03-04 05:06:07"
    assert rows["plain"]["account"] == "'-2 Corp"
    assert rows["plain"]["notes"] == "'+1 555"


def test_bom_option_for_excel(run_cli: RunCli, repo: Path, tmp_path: Path) -> None:
    _new(run_cli, "数据平台", "--account", "北京公司", "--id", "cn")
    out = tmp_path / "excel.csv"
    assert run_cli("export", "--bom", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "数据平台" in raw.decode("utf-8-sig")


def test_json_export_keeps_every_field(run_cli: RunCli, repo: Path) -> None:
    _new(run_cli, "A", "--account", "B", "--id", "a", "--set", "contact.email=j@b.example",
         "--set", "custom_score=7")  # fmt: skip
    result = run_cli("export", "--format", "json")
    assert result.exit_code == 0
    (record,) = json.loads(result.stdout)["opportunities"]
    assert record["contact"] == {"email": "j@b.example"}
    assert record["custom_score"] == 7


def test_export_then_import_into_a_new_pipeline_round_trips(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    _new(run_cli, "CRM rollout", "--account", "ACME", "--amount", "120000", "--id", "crm",
         "--set", "contact.email=jane@acme.example", "--at", "2026-09-01")  # fmt: skip
    _new(run_cli, "Pilot", "--account", "Initech", "--id", "pilot")
    for fmt in ("csv", "json"):
        out = tmp_path / f"all.{fmt}"
        assert run_cli("export", "--format", fmt, "-o", str(out)).exit_code == 0
        other = tmp_path / f"other-{fmt}"
        assert run_cli("init", str(other)).exit_code == 0
        result = run_cli("--repo", str(other), "import", str(out), "--json")
        assert result.exit_code == 0, result.stderr
        created = json.loads(result.stdout)["created"]
        assert sorted(c["title"] for c in created) == ["CRM rollout", "Pilot"]
        listed = json.loads(run_cli("--repo", str(other), "list", "--json").stdout)
        crm = next(r for r in listed if r["title"] == "CRM rollout")
        assert crm["amount"] == 120000
        assert crm["contact"] == {"email": "jane@acme.example"}
        assert crm["created"].startswith("2026-09-01")
        assert crm["external_id"] == "crm"


def test_stage_entry_dates_come_from_history(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("new", "A", "--account", "B", "--id", "a", "--at", "2026-01-05").exit_code == 0
    assert run_cli("set", "a", "contact.email=j@b.example", "--at", "2026-01-06").exit_code == 0
    assert run_cli("move", "a", "qualified", "--at", "2026-01-10T09:30:00+00:00").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(run_cli("export").stdout)))
    assert rows[0]["entered_lead"].startswith("2026-01-05 ")
    assert rows[0]["entered_qualified"] == "2026-01-10 09:30:00"
    assert rows[0]["entered_won"] == ""
    (record,) = json.loads(run_cli("export", "--format", "json").stdout)["opportunities"]
    assert list(record["stage_entered"]) == ["lead", "qualified"]
    assert record["stage_entered"]["qualified"] == "2026-01-10T09:30:00+00:00"


def test_as_of_exports_the_pipeline_as_it_stood(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("new", "A", "--account", "B", "--id", "a", "--at", "2026-01-05").exit_code == 0
    assert run_cli("set", "a", "contact.email=j@b.example", "--at", "2026-01-06").exit_code == 0
    assert run_cli("move", "a", "qualified", "--at", "2026-01-10").exit_code == 0
    assert (
        run_cli("new", "Later", "--account", "C", "--id", "later", "--at", "2026-02-01").exit_code
        == 0
    )
    result = run_cli("export", "--as-of", "2026-01-08")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], r["stage"]) for r in rows] == [("a", "lead")]
    assert rows[0]["entered_qualified"] == ""


def test_a_broken_file_is_reported_and_the_export_fails(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    _new(run_cli, "Good deal", "--account", "A")
    (repo / "opportunities" / "broken.yaml").write_text("id: broken\ntitle: [\n", "utf-8")
    out = tmp_path / "deals.csv"
    result = run_cli("export", "-o", str(out))
    assert result.exit_code == 1
    assert "opportunities/broken.yaml:" in result.stderr
    assert "1 broken files are not in the export" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Good deal"]
