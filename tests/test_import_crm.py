"""`pipeline import` of real-shaped CRM exports: one fixture per vendor, no options.

The fixtures in ``tests/fixtures/crm`` render the same 30 deals in each
vendor's documented export format (see ``EXPECTED.md`` there for the
hand-computed answers): 10 won, 8 lost, 12 open; won amounts EUR 8,900,
GBP 42,000, USD 4,067,550; four owners.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli

FIXTURES = Path(__file__).parent / "fixtures" / "crm"
OWNERS = {"Alice Martin": 8, "Bob Chen": 8, "Carla Diaz": 7, "Dev Patel": 7}
WON_BY_CURRENCY = {"EUR": 8900, "GBP": 42000, "USD": 4067550}
SF_SOURCES = {"Partner Referral": 12, "Phone Inquiry": 4, "Trade Show": 5, "Web": 8, None: 1}

#: file -> (sources as stored: the pipeline's spelling where it has the value, the preset)
CASES: dict[str, tuple[dict[str | None, int], str]] = {
    "salesforce_api.csv": (SF_SOURCES, "salesforce"),
    "salesforce_report.csv": (SF_SOURCES, "salesforce"),
    "hubspot_deals.csv": (
        {"Offline Sources": 9, "Organic Search": 8, "Referrals": 12, None: 1},
        "hubspot",
    ),
    "pipedrive_deals.csv": (
        {"Cold Call": 4, "partner": 6, "referral": 6, "Trade Show": 5, "Web": 8, None: 1},
        "pipedrive",
    ),
    "dynamics_opportunities.csv": (
        {"Spring Expo 2025": 5, "Partner Program": 6, None: 19},
        "dynamics",
    ),
    "zoho_deals.csv": (
        {"Cold Call": 4, "External Referral": 6, "partner": 6, "Trade Show": 5,
         "Web Download": 8, None: 1},
        "zoho",
    ),
    "odoo_crm_lead.csv": (
        {"Facebook": 6, "Lead Recall": 6, "Newsletter": 5, "Search engine": 8, None: 5},
        "odoo",
    ),
}  # fmt: skip
SALESFORCE_SIBLINGS = ("Account.csv", "User.csv", "OpportunityHistory.csv")


@pytest.fixture(autouse=True)
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Naive times are read in the machine's zone: pin it."""
    monkeypatch.setenv("TZ", "UTC")


def export_folder(tmp_path: Path, name: str, *siblings: str) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    for file in (name, *siblings):
        shutil.copy(FIXTURES / file, folder / file)
    return folder / name


def exported(run_cli: RunCli) -> list[dict[str, Any]]:
    result = run_cli("export", "--format", "json")
    assert result.exit_code == 0, result.output
    deals: list[dict[str, Any]] = json.loads(result.stdout)["opportunities"]
    return deals


def git_dates(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "log", "--format=%aI"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
    return out.split()


@pytest.mark.parametrize("name", list(CASES))
def test_each_crm_export_imports_without_options(
    run_cli: RunCli, repo: Path, tmp_path: Path, name: str
) -> None:
    sources, preset = CASES[name]
    siblings = SALESFORCE_SIBLINGS if preset == "salesforce" else ()
    source = export_folder(tmp_path, name, *siblings)
    result = run_cli("import", str(source), "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["preset"] == preset
    assert outcome["refused"] == []
    assert outcome["outcomes"] == {"won": 10, "lost": 8, "open": 12}
    assert outcome["history"] is True  # the file has dates: history by default
    deals = exported(run_cli)
    assert len(deals) == 30
    stages = Counter(d["stage"] for d in deals)
    assert (stages["won"], stages["lost"]) == (10, 8)
    assert Counter(d["owner"] for d in deals) == OWNERS
    assert Counter(d.get("source") for d in deals) == sources
    won = [d for d in deals if d["stage"] == "won"]
    if preset == "odoo":  # one company currency, no per-row currency column
        assert sum(d["amount"] for d in won) == 4118450
        assert {d["currency"] for d in won} == {"USD"}
    else:
        by_currency: Counter[str] = Counter()
        for deal in won:
            by_currency[deal["currency"]] += deal["amount"]
        assert dict(by_currency) == WON_BY_CURRENCY
    lost = [d for d in deals if d["stage"] == "lost"]
    assert all(d.get("lost_reason") for d in lost)
    assert not any(d.get("lost_reason") for d in deals if d["stage"] != "lost")
    acme = next(d for d in deals if d["title"] == "Acme Corp - Platform Renewal")
    assert acme["created"].startswith("2025-01-14")
    assert acme["stage_entered"]["won"].startswith("2025-03-28")
    assert min(acme["stage_entered"].values()).startswith("2025-01-14")
    now = datetime.now(UTC)
    assert all(datetime.fromisoformat(d) <= now for d in git_dates(repo))  # none in the future
    assert run_cli("validate").exit_code == 0
    again = json.loads(run_cli("import", str(source), "--json").stdout)
    assert len(again["unchanged"]) == 30 and again["created"] == []  # idempotent


def test_salesforce_ids_resolve_from_account_and_user_files(
    run_cli: RunCli, tmp_path: Path
) -> None:
    source = export_folder(tmp_path, "salesforce_api.csv")  # no siblings: give them
    result = run_cli(
        "import", str(source), "--accounts", str(FIXTURES / "Account.csv"),
        "--users", str(FIXTURES / "User.csv"), "--stage-history",
        str(FIXTURES / "OpportunityHistory.csv"), "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "owner names from User.csv (4 names)" in result.stdout
    assert "stage history from OpportunityHistory.csv (30 deals)" in result.stdout
    assert run_cli("import", str(source), "--users", str(FIXTURES / "User.csv")).exit_code == 0
    deals = exported(run_cli)
    assert Counter(d["owner"] for d in deals) == OWNERS
    assert {d["account"] for d in deals} >= {"0015g00000A0001AAB"}  # no Account.csv: ids kept


def test_salesforce_stage_history_gives_every_stage_entry(run_cli: RunCli, tmp_path: Path) -> None:
    source = export_folder(tmp_path, "salesforce_api.csv", *SALESFORCE_SIBLINGS)
    assert run_cli("import", str(source)).exit_code == 0
    acme = next(d for d in exported(run_cli) if d["title"] == "Acme Corp - Platform Renewal")
    assert acme["stage_entered"] == {
        "lead": "2025-01-14T15:32:11+00:00",  # Prospecting
        "qualified": "2025-01-23T18:36:24+00:00",  # Qualification
        "proposal": "2025-02-11T00:44:51+00:00",  # Value Proposition
        "negotiation": "2025-03-19T13:01:46+00:00",  # Negotiation/Review
        "won": "2025-03-28T16:06:00+00:00",  # Closed Won
    }


def test_dry_run_says_which_preset_and_how_dates_are_read(run_cli: RunCli, tmp_path: Path) -> None:
    source = export_folder(tmp_path, "dynamics_opportunities.csv")
    result = run_cli("import", str(source), "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "preset: Dynamics 365 Sales (header has '(Do Not Modify) Opportunity')" in out
    assert "dates in 'Created On': m/d/y ('1/14/2025 15:32' has a day above 12 second)" in out
    assert "probability in 'Probability': 0-100" in out
    assert "deals: 10 won, 8 lost, 12 open" in out
    assert "1 rows kept with created moved to the close date (rows 8)" in out
    assert "column '(Do Not Modify) Row Checksum' not imported" in out
    assert "kept as custom fields: 'Rating'" in out  # unused columns are named


def test_from_forces_a_preset_and_map_overrides_its_columns(
    run_cli: RunCli, tmp_path: Path
) -> None:
    source = export_folder(tmp_path, "zoho_deals.csv")
    result = run_cli(
        "import", str(source), "--from", "zoho", "--map", "Type=source", "--json", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["preset_reason"] == "Zoho CRM (--from zoho)"
    assert set(outcome["config_added"]["sources"]) == {"Existing Business", "New Business"}
    generic = run_cli("import", str(source), "--from", "generic", "--dry-run")
    assert generic.exit_code == 1  # without the preset, Zoho's stages are unknown
    assert "unknown stage 'Closed Won'" in generic.stderr


def test_extend_config_adds_the_crm_stages_in_order(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    source = export_folder(tmp_path, "zoho_deals.csv")
    result = run_cli("import", str(source), "--extend-config", "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["config_added"]["stages"]
    assert added == [
        "qualification", "needs-analysis", "value-proposition", "identify-decision-makers",
        "proposal-price-quote", "negotiation-review",
    ]  # fmt: skip
    config = (repo / "pipeline.yaml").read_text(encoding="utf-8")
    order = [config.index(f"name: {n}") for n in ("lead", "qualified", "qualification",
             "needs-analysis", "proposal", "value-proposition", "negotiation",
             "negotiation-review", "won")]  # fmt: skip
    assert order == sorted(order)
    assert "# Pipeline configuration" in config  # comments kept
    stages = Counter(d["stage"] for d in exported(run_cli))
    assert stages["proposal-price-quote"] == 2 and stages["won"] == 10
    assert run_cli("validate").exit_code == 0
