"""Finding a deal by a few letters: id prefixes, words of title/account/contact, suggestions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_tui.core.finding import DealKey, closest, find_deals
from pipeline_tui.edits.workspace import Workspace
from tests.conftest import RunCli

KEYS = [
    DealKey("acme-crm-7k2p", "CRM rollout", "ACME Corp", "Jane Roe"),
    DealKey("acme-support-x1y2", "Support renewal", "ACME Corp"),
    DealKey("initech-fleet-ab12", "Fleet tracking", "Initech", "Bill Lumbergh"),
    DealKey("yunfan-crm-zz99", "上海云帆科技 CRM 升级", "上海云帆科技有限公司"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme-crm-7k2p", ["acme-crm-7k2p"]),  # the id itself
        ("init", ["initech-fleet-ab12"]),  # an id prefix
        ("acme", ["acme-crm-7k2p", "acme-support-x1y2"]),  # two: the caller asks which
        ("fleet", ["initech-fleet-ab12"]),  # a word of the title
        ("ac co sup", ["acme-support-x1y2"]),  # words of account and title, any order
        ("lumb", ["initech-fleet-ab12"]),  # the contact
        ("云帆", ["yunfan-crm-zz99"]),
        ("nothing", []),
    ],
)
def test_find_deals(query: str, expected: list[str]) -> None:
    assert [k.id for k in find_deals(query, KEYS)] == expected


def test_closest_suggests_a_near_miss_and_nothing_for_noise() -> None:
    assert [k.id for k in closest("initek", KEYS)][:1] == ["initech-fleet-ab12"]
    assert closest("qqqqqqqq", KEYS) == []


@pytest.fixture
def deals(repo: Path) -> Workspace:
    ws = Workspace(repo)
    ws.create("CRM rollout", "ACME Corp", {"contact.name": "Jane Roe"}, opp_id="acme-crm-7k2p")
    ws.create("Support renewal", "ACME Corp", opp_id="acme-support-x1y2")
    ws.create("Fleet tracking", "Initech", opp_id="initech-fleet-ab12")
    return ws


def test_show_by_a_few_letters_of_the_account(deals: Workspace, run_cli: RunCli) -> None:
    result = run_cli("show", "in", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == "initech-fleet-ab12"


def test_every_id_command_resolves_words(deals: Workspace, run_cli: RunCli) -> None:
    assert run_cli("set", "jane", "amount=5").exit_code == 0
    assert deals.get("acme-crm-7k2p").amount == 5
    assert run_cli("log", "fleet", "--kind", "call", "--note", "hi").exit_code == 0
    history = json.loads(run_cli("history", "acme sup", "--json").output)
    assert history["id"] == "acme-support-x1y2"


def test_several_matches_are_listed_with_exit_2(deals: Workspace, run_cli: RunCli) -> None:
    result = run_cli("move", "acme", "qualified")
    assert result.exit_code == 2
    assert "'acme' matches 2 deals" in result.stderr
    assert "acme-crm-7k2p  (ACME Corp: CRM rollout)" in result.stderr
    assert "acme-support-x1y2  (ACME Corp: Support renewal)" in result.stderr


def test_no_match_suggests_the_closest(deals: Workspace, run_cli: RunCli) -> None:
    result = run_cli("show", "initek-flet")
    assert result.exit_code == 2
    assert "no opportunity 'initek-flet'" in result.stderr
    assert "did you mean initech-fleet-ab12" in result.stderr
