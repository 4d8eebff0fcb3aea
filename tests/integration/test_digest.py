"""``pipeline digest``: what changed this week, from real history, and the e-mail it sends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.automation_servers import Mailbox, smtp_server
from tests.conftest import RunCli


@pytest.fixture
def mail() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
def week(repo: Path, run_cli: RunCli) -> Path:
    """A week of work: one old deal moved on, one lost, one new, one close date slipped."""
    run_cli(
        "new",
        "Old deal",
        "--account",
        "ACME",
        "--id",
        "old",
        "--owner",
        "alice",
        "--amount",
        "50000",
        "--set",
        "expected_close=2026-12-15",
        "--at",
        ago(30),
    )
    run_cli(
        "new",
        "Doomed",
        "--account",
        "Globex",
        "--id",
        "doomed",
        "--owner",
        "alice",
        "--amount",
        "20000",
        "--at",
        ago(20),
    )
    run_cli(
        "new",
        "Fresh",
        "--account",
        "Initech",
        "--id",
        "fresh",
        "--source",
        "website",
        "--set",
        "next_step.action=Call",
        "--set",
        "next_step.due=2026-01-05",
        "--at",
        ago(2),
    )
    run_cli("move", "old", "proposal", "--at", ago(3))
    run_cli("set", "old", "expected_close=2027-01-31")
    run_cli("close", "doomed", "lost", "--reason", "price", "--at", ago(1))
    return repo


def test_digest_json_says_what_changed(week: Path, run_cli: RunCli) -> None:
    result = run_cli("digest", "--since", "7d", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    changes = data["changes"]
    assert [d["id"] for d in changes["new"]] == ["fresh"]
    assert [(d["id"], d["from"], d["to"]) for d in changes["forward"]] == [
        ("old", "lead", "proposal")
    ]
    assert [(d["id"], d["reason"], d["amount"]) for d in changes["lost"]] == [
        ("doomed", "price", 20000)
    ]
    assert [(d["id"], d["from"], d["to"]) for d in changes["slipped"]] == [
        ("old", "2026-12-15", "2027-01-31")
    ]
    assert data["overdue_by_owner"][0]["deals"][0]["id"] == "fresh"
    assert data["indicators"]["current"]["lost"] == {"count": 1, "amount": 20000.0}
    assert data["indicators"]["previous"]["lost"] == {"count": 0, "amount": 0}
    assert data["forecast"]["now"] == pytest.approx(50000 * 0.5)
    assert data["forecast"]["before"] == pytest.approx(50000 * 0.1 + 20000 * 0.1)


def test_digest_html_email(week: Path, run_cli: RunCli, mail: Mailbox) -> None:
    target = mail.url("team@example.com").replace("format=text", "format=html")
    result = run_cli("digest", "--format", "html", "--send", target)
    assert result.exit_code == 0, result.output
    assert "<script" not in result.stdout and "<style" not in result.stdout
    (_, recipients, message) = mail.messages[0]
    assert recipients == ["team@example.com"]
    assert message["Subject"].startswith("Pipeline digest ")
    body = message.get_body(("html",))
    assert body is not None
    html = body.get_content()
    assert "Doomed (alice), USD 20,000 — price" in html
    assert 'style="' in html


def test_digest_markdown_and_a_bad_target(week: Path, run_cli: RunCli) -> None:
    result = run_cli("digest", "--send", "webhook:http://127.0.0.1:9/nothing-here")
    assert result.exit_code == 1
    assert "## Lost (1)" in result.stdout and "Old deal (alice): lead → proposal" in result.stdout
    assert "digest not sent to webhook:http://127.0.0.1:9/nothing-here" in result.stderr


def _changed_items(page: str) -> list[str]:
    """The list items of the "What changed" section (up to the next section or chart)."""
    start = page.index("What changed")
    ends = [page.find(mark, start) for mark in ("<h2", "<table")]
    return re.findall(r"<li>(.*?)</li>", page[start : min(e for e in ends if e > 0)])


def test_report_html_has_the_digests_what_changed_section(
    week: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    page = tmp_path / "weekly.html"
    assert run_cli("report", "--html", str(page)).exit_code == 0
    report_items = _changed_items(page.read_text("utf-8"))
    digest_items = _changed_items(run_cli("digest", "--format", "html").stdout)
    assert report_items == digest_items  # one builder for both pages
    assert "Doomed (alice), USD 20,000 — price" in report_items
    assert "Old deal (alice): lead → proposal, USD 50,000" in report_items
    assert "Old deal (alice): 2026-12-15 → 2027-01-31" in report_items
    # A window given to the report is the window of its changes.
    run_cli("report", "--html", str(page), "--since", ago(1.5))
    assert _changed_items(page.read_text("utf-8")) == [
        "Doomed (alice), USD 20,000 — price",  # closed a day ago
        "Old deal (alice): 2026-12-15 → 2027-01-31",  # the close date was moved just now
    ]


def test_digest_prose_reads_as_chinese(
    week: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli("set", "old", "next_step.action=Send quote", "next_step.due=2026-02-01")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    result = run_cli("digest", "--format", "markdown")

    assert result.exit_code == 0, result.stderr
    assert "- alice（主管 dana）: Old deal：Send quote，截止 2026年2月1日" in result.stdout
    assert "| | 本期 | 上期 |" in result.stdout
    assert re.search(
        r"^# .* \d{4}年\d{1,2}月\d{1,2}日 – \d{4}年\d{1,2}月\d{1,2}日$", result.stdout, re.M
    )
    assert "- (无): Fresh：Call，截止 2026年1月5日" in result.stdout
    assert "| 数量 1, 金额 USD 20,000 |" in result.stdout
    assert " due " not in result.stdout and "manager" not in result.stdout


def test_a_stale_deal_reads_by_its_title_and_the_reason_in_words(
    repo: Path, run_cli: RunCli
) -> None:
    run_cli("new", "Sleepy deal", "--account", "ACME", "--id", "sleepy", "--at", ago(20))
    result = run_cli("digest", "--since", "7d", "--format", "markdown")
    assert result.exit_code == 0, result.output
    stale = [line for line in result.stdout.splitlines() if "Sleepy deal" in line]
    assert stale == ["- Sleepy deal ((none)): over the stage's day limit, 20 days"], result.stdout
    assert "over_stage_limit" not in result.stdout
    data = json.loads(run_cli("digest", "--since", "7d", "--format", "json").stdout)
    assert [(d["id"], d["title"], d["reason"]) for d in data["changes"]["stale"]] == [
        ("sleepy", "Sleepy deal", "over_stage_limit")
    ]
