"""Deals in other currencies through the real CLI: named by ``validate``, counted by the reports.

Nothing is converted (there are no rates): the numbers are byte for byte what
they are with the deal in the pipeline's currency, and only a warning from
``validate`` and one stderr line from ``report``/``forecast`` say that a sum
holds an amount written in another currency.  Warnings never change an exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.cli import report as report_cli
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage import snapshot
from pipeline_tui.storage.layout import Layout
from pipeline_tui.sync.setup import init_pipeline
from tests.conftest import RunCli
from tests.gitutil import deal_path
from tests.history_helpers import day, git, new_deal

NOW = "2026-04-01T12:00:00+00:00"
NOTE = "1 deal(s) in other currencies summed as USD (see `pipeline validate`)"


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PIPELINE_NOW", NOW)
    monkeypatch.setattr(snapshot, "SETTLE_NS", 0)
    yield


def build(repo: Path, abroad: str) -> Path:
    """A USD pipeline: alice's deal in USD, her manager dana's in ``abroad``."""
    ws = Workspace(repo)
    new_deal(ws, "home", day(0), owner="alice", amount=1000, currency="USD")
    new_deal(ws, "abroad", day(1), owner="dana", amount=500, currency=abroad)
    return repo


@pytest.fixture
def pipeline(repo: Path) -> Path:
    return build(repo, "EUR")


@pytest.fixture
def twin(tmp_path: Path, layout: Layout) -> Path:
    """The same pipeline and history, every deal in USD."""
    return build(init_pipeline(tmp_path / "twin", layout=layout), "USD")


def recurrency(repo: Path, opp_id: str, currency: str) -> None:
    """Change a deal's currency by hand and commit it (a teammate's edit, before the clock)."""
    path = deal_path(repo, opp_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(f"currency: {currency}\n" if ln.startswith("currency:") else ln for ln in lines),
        encoding="utf-8",
    )
    git(repo, "commit", "-qam", f"{opp_id} in {currency}", at=day(10))


def currency_line(repo: Path, opp_id: str) -> int:
    lines = deal_path(repo, opp_id).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, 1) if ln.startswith("currency:"))


def test_validate_warns_with_file_line_and_field_and_exits_0(
    pipeline: Path, run_cli: RunCli
) -> None:
    result = run_cli("validate")
    assert result.exit_code == 0, result.stderr
    where = (
        f"{deal_path(pipeline, 'abroad').relative_to(pipeline)}:{currency_line(pipeline, 'abroad')}"
    )
    assert result.stderr.splitlines() == [
        f"{where}: warning: currency: EUR differs from the pipeline's USD: "
        "its amount is summed as USD"
    ]
    assert "2 files checked: 0 errors, 1 warnings" in result.stdout


def test_validate_json_holds_the_warning(pipeline: Path, run_cli: RunCli) -> None:
    result = run_cli("validate", "--json")
    assert result.exit_code == 0
    [row] = json.loads(result.stdout)
    assert (row["field"], row["severity"], row["line"]) == (
        "currency",
        "warning",
        currency_line(pipeline, "abroad"),
    )


def test_a_code_that_is_no_currency_gets_a_hint_and_a_sign_stays_an_error(
    pipeline: Path, run_cli: RunCli
) -> None:
    recurrency(pipeline, "abroad", "RMB")
    warned = run_cli("validate")
    assert warned.exit_code == 0
    assert "warning: currency: RMB is not an ISO 4217 currency code (did you mean CNY?)" in (
        warned.stderr
    )
    recurrency(pipeline, "abroad", "'€'")
    refused = run_cli("validate")
    assert refused.exit_code == 1
    assert "error: currency: '€' is not an ISO 4217 currency code (did you mean EUR?)" in (
        refused.stderr
    )


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--format", "json"),
        ("report",),
        ("report", "summary", "--format", "csv"),
        ("report", "--json", "--as-of", "2026-03-01"),
        ("forecast", "--json"),
        ("forecast",),
    ],
    ids=" ".join,
)
def test_reports_print_the_same_numbers_and_say_how_many_deals_are_in_other_currencies(
    pipeline: Path, twin: Path, run_cli: RunCli, args: tuple[str, ...]
) -> None:
    mixed = run_cli(*args)
    assert mixed.exit_code == 0, mixed.stderr  # a warning: the numbers are whole
    assert mixed.stderr.splitlines() == [f"pipeline: {NOTE}"]
    if "--json" in args or "json" in args:
        json.loads(mixed.stdout)
    same = CliRunner().invoke(cli, ["--repo", str(twin), *args], catch_exceptions=False)
    assert same.exit_code == 0
    assert same.stderr == ""
    assert same.stdout == mixed.stdout


def test_a_kept_report_says_it_too(
    pipeline: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_cli("report", "--format", "json")

    def not_loaded(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the kept report was not served")

    monkeypatch.setattr(report_cli, "load_scope", not_loaded)
    served = run_cli("report", "--format", "json")
    assert served.stdout == first.stdout
    assert served.exit_code == 0
    assert NOTE in served.stderr


def test_only_the_deals_in_the_numbers_are_counted(pipeline: Path, run_cli: RunCli) -> None:
    """``--owner alice`` sums only her USD deal: nothing to say."""
    assert NOTE not in run_cli("report", "--owner", "alice").stderr
    assert NOTE in run_cli("report", "--owner", "dana").stderr
    assert NOTE not in run_cli("forecast", "--owner", "alice").stderr


def test_digest_says_it_too(pipeline: Path, run_cli: RunCli) -> None:
    result = run_cli("digest", "--format", "json")
    assert result.exit_code == 0
    assert NOTE in result.stderr
    json.loads(result.stdout)


def test_a_chinese_pipeline_reads_both_in_chinese(tmp_path: Path) -> None:
    repo = init_pipeline(tmp_path / "商机", template="zh_CN")
    new_deal(Workspace(repo), "waibi", day(0), owner="张伟", amount=800, currency="USD")
    runner = CliRunner()
    checked = runner.invoke(cli, ["--repo", str(repo), "validate"], catch_exceptions=False)
    assert checked.exit_code == 0
    assert "警告: currency: USD 与商机管道的币种 CNY 不同：其金额按 CNY 计入合计" in (
        checked.stderr
    )
    reported = runner.invoke(cli, ["--repo", str(repo), "report"], catch_exceptions=False)
    assert "有 1 个其他币种的商机按 CNY 计入合计（见 `pipeline validate`）" in reported.stderr
