"""``pipeline report``, ``stale`` and ``forecast`` end to end on real git repositories.

The story repo is built through the same Workspace the CLI uses, with
backdated commits (``at=``).  Reports are asked ``--as-of 2026-11-01`` (or
earlier) so the answers do not depend on today's date; each expected number
is worked out below from the story.

  g   event     alice  created 08-10 lead, 10000, close 09-25; -> proposal 08-15; won 09-22
  d1  website   alice  created 09-01 lead, 12000; -> qualified 09-03 -> proposal 09-10; won 09-20
  d2  referral  王芳    created 09-05 lead, 5000; lost (price) 09-15
  d4  partner   alice  created 09-02 lead, 8000, close 10-15; -> negotiation 09-04
                        -> proposal 09-12 (moved back); open
  d3  (none)    王芳    created 10-01 lead, no amount; open, never touched
All events at 12:00 UTC.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from wcwidth import wcswidth

from pipeline_tui import i18n
from pipeline_tui.cli import cli
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import as_of
from pipeline_tui.storage import filecheck
from pipeline_tui.storage.layout import LAYOUTS, Layout
from pipeline_tui.sync.setup import init_pipeline
from tests.gitutil import git

pytestmark = pytest.mark.both_layouts

#: Noon UTC, like every event, so day counts are whole whatever the machine's time zone.
AS_OF = "2026-11-01T12:00:00+00:00"


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def build_story(root: Path, layout: Layout) -> Path:
    repo = init_pipeline(root, layout=layout)
    alice = Workspace(repo, "alice")
    wang = Workspace(repo, "王芳")
    email = {"contact.email": "buyer@example.com"}
    alice.create(
        "Fleet tracking",
        "Gamma Logistics",
        {"amount": 10000, "expected_close": "2026-09-25", "owner": "alice", "source": "event"},
        opp_id="g",
        at=at(8, 10),
    )
    alice.move("g", "proposal", at=at(8, 15))
    alice.create(
        "CRM rollout",
        "ACME Corp",
        {"amount": 12000, "owner": "alice", "source": "website", "expected_close": "2026-09-30"}
        | email,
        opp_id="d1",
        at=at(9, 1),
    )
    alice.create(
        "Data platform",
        "Delta Ltd",
        {"amount": 8000, "expected_close": "2026-10-15", "owner": "alice", "source": "partner"},
        opp_id="d4",
        at=at(9, 2),
    )
    alice.move("d1", "qualified", at=at(9, 3))
    alice.move("d4", "negotiation", at=at(9, 4))
    wang.create(
        "ERP 升级",
        "华北制造",
        {"amount": 5000, "owner": "王芳", "source": "referral"},
        opp_id="d2",
        at=at(9, 5),
    )
    alice.move("d1", "proposal", at=at(9, 10))
    alice.move("d4", "proposal", at=at(9, 12))
    wang.close("d2", "lost", "price", at=at(9, 15))
    alice.close("d1", "won", None, at=at(9, 20))
    alice.close("g", "won", None, at=at(9, 22))
    wang.create("新客户试点", "深圳科技", {"owner": "王芳"}, opp_id="d3", at=at(10, 1))
    return repo


@pytest.fixture(scope="module", params=LAYOUTS)
def story(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """The dated story, built once per deal-file layout: every report must agree on both."""
    home = tmp_path_factory.mktemp("story-home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        yield build_story(tmp_path_factory.mktemp("story") / "deals", request.param)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language(None)


def run(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--repo", str(repo), *args], catch_exceptions=False)


def report_json(repo: Path, *args: str) -> dict[str, Any]:
    result = run(repo, "report", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_has_every_section_with_the_documented_keys(story: Path) -> None:
    data = report_json(story, "--as-of", AS_OF)
    assert list(data) == [
        "summary",
        "sources",
        "first_contact",
        "leads",
        "stages",
        "conversion",
        "completeness",
        "lost",
        "repeat",
        "lifetime",
        "activity",
        "forecast",
        "stale",
        "leaderboard",
        "hygiene",
    ]
    assert set(data["summary"]) == {
        "open", "open_amount", "won", "won_amount", "lost", "win_rate",
        "avg_won_amount", "cycle_days_median", "velocity_per_day",
    }  # fmt: skip
    assert set(data["first_contact"]) == {"sla_hours", "within_sla", "median_hours"}
    assert set(data["hygiene"]) == {"duplicates", "missing_required", "unknown_values"}
    assert set(data["leads"]) == {"leads", "qualified", "rate", "by_source", "by_campaign"}
    assert set(data["lifetime"]) == {"accounts", "mean", "median", "by_account", "by_source"}


def test_summary_and_funnel_from_history(story: Path) -> None:
    data = report_json(story, "summary", "conversion", "stages", "sources", "--as-of", AS_OF)
    summary = data["summary"]
    # won: g (10000, 08-10 -> 09-22 = 43 days) and d1 (12000, 09-01 -> 09-20 = 19 days)
    # lost: d2; open: d4 (8000) and d3 (no amount)
    velocity = 2 * (2 / 3) * 11000 / 31
    assert summary == {
        "open": 2,
        "open_amount": 8000,
        "won": 2,
        "won_amount": 22000,
        "lost": 1,
        "win_rate": round(2 / 3, 4),
        "avg_won_amount": 11000,
        "cycle_days_median": 31,
        "velocity_per_day": round(velocity, 4),
    }
    # furthest stages: g won (skipped qualified and negotiation), d1 won, d4 negotiation
    # (then moved back), d2 lost from lead, d3 lead
    assert data["conversion"] == {
        "lead": {"reached": 5, "advanced": 3, "lost": 1, "rate": 0.6},
        "qualified": {"reached": 3, "advanced": 3, "lost": 0, "rate": 1.0},
        "proposal": {"reached": 3, "advanced": 3, "lost": 0, "rate": 1.0},
        "negotiation": {"reached": 3, "advanced": 2, "lost": 0, "rate": round(2 / 3, 4)},
    }
    stages = data["stages"]
    # finished lead stays: g 5 days, d1 2, d4 2, d2 10 -> median 3.5; d3 is still there
    assert stages["lead"]["count"] == 4
    assert stages["lead"]["median_days"] == 3.5
    assert stages["lead"]["open_count"] == 1
    # proposal: g 08-15 -> 09-22 = 38, d1 09-10 -> 09-20 = 10; d4 sits there now
    assert stages["proposal"]["median_days"] == 24
    assert stages["proposal"]["open_count"] == 1
    sources = data["sources"]
    assert sources["website"] == {"created": 1, "won": 1, "lost": 0, "rate": 1.0}
    assert sources["referral"] == {"created": 1, "won": 0, "lost": 1, "rate": 0.0}
    assert sources["partner"]["rate"] is None


def test_as_of_a_past_date_answers_from_history_without_touching_files(story: Path) -> None:
    before = git(story, "status", "--porcelain")
    head = git(story, "rev-parse", "HEAD")
    data = report_json(story, "summary", "stale", "--as-of", "2026-09-12T18:00:00+00:00")
    # on 09-12 evening: g, d1, d4 in proposal, d2 in lead; nothing closed yet
    assert data["summary"]["open"] == 4
    assert data["summary"]["won"] == 0
    assert data["summary"]["win_rate"] is None
    assert data["summary"]["open_amount"] == 10000 + 12000 + 8000 + 5000
    # g entered proposal on 08-15: 28.25 days, over the 21-day limit
    assert [(s["id"], s["reason"]) for s in data["stale"]] == [("g", "over_stage_limit")]
    assert data["stale"][0]["manager"] == "dana"
    assert git(story, "status", "--porcelain") == before
    assert git(story, "rev-parse", "HEAD") == head


def test_as_of_keeps_parsed_past_versions_for_the_next_run(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = report_json(story, "--as-of", "2026-09-12T18:00:00+00:00")
    assert (story / ".git" / "pipeline-tui" / "blobs.pickle").is_file()
    parsed: list[str] = []
    real = filecheck.check_opportunity_text

    def spy(text: str, path: str, config: Any) -> Any:
        parsed.append(path)
        return real(text, path, config)

    monkeypatch.setattr(as_of, "check_opportunity_text", spy)
    assert report_json(story, "--as-of", "2026-09-12T18:00:00+00:00") == first
    assert parsed == []  # every past version came from .git/pipeline-tui/blobs.pickle


def test_owner_and_source_filters(story: Path) -> None:
    mine = report_json(story, "summary", "--as-of", AS_OF, "--owner", "王芳")
    assert mine["summary"]["open"] == 1 and mine["summary"]["lost"] == 1
    web = report_json(story, "summary", "--as-of", AS_OF, "--source", "website")
    assert web["summary"]["won_amount"] == 12000
    window = report_json(
        story, "lost", "--as-of", AS_OF, "--since", "2026-09-16", "--until", "2026-10-01"
    )
    assert window["lost"] == {}  # d2 was lost on 09-15, before the window


def test_table_uses_currency_and_aligns_cjk_owners(story: Path) -> None:
    result = run(story, "report", "summary", "leaderboard", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "$22,000" in result.stdout
    assert "66.7%" in result.stdout
    lines = result.stdout.split("Leaderboard\n")[1].splitlines()[1:]
    table = [line for line in lines if line.strip()]
    assert any("王芳" in line for line in table)
    assert len({wcswidth(line.rstrip()) for line in table[:1] + table[1:2]}) == 1
    widths = {wcswidth(line) for line in table}
    assert len(widths) == 1, table  # every row as wide as the header, Chinese included


def test_csv_and_markdown(story: Path) -> None:
    result = run(story, "report", "sources", "--format", "csv", "--as-of", AS_OF)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    website = next(r for r in rows if r["source"] == "website")
    assert website["section"] == "sources"
    assert (website["created"], website["won"], website["rate"]) == ("1", "1", "1")
    assert next(r for r in rows if r["source"] == "partner")["rate"] == ""
    markdown = run(story, "report", "repeat", "--format", "markdown", "--as-of", AS_OF)
    assert markdown.stdout.startswith("## Repeat / renewal rate")
    assert "| Accounts with a win" in markdown.stdout


def test_headings_in_chinese(story: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.set_language(None)
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    result = run(story, "report", "sources", "activity", "--as-of", AS_OF)
    assert "商机来源转化率" in result.stdout
    assert "销售团队活跃度" in result.stdout


def test_chart_and_html(story: Path, tmp_path: Path) -> None:
    chart = run(story, "report", "--chart", "--as-of", AS_OF)
    assert chart.exit_code == 0
    assert "Funnel" in chart.stdout and "Weighted forecast" in chart.stdout
    page = tmp_path / "weekly.html"
    result = run(story, "report", "--html", str(page), "--as-of", AS_OF)
    assert result.exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("data-chart=") == 3
    assert "王芳" in html and "$22,000" in html
    assert "<script" not in html and "src=" not in html and "<link" not in html


def test_stale_exit_codes(story: Path, repo: Path) -> None:
    result = run(story, "stale", "--json", "--as-of", AS_OF)
    assert result.exit_code == 4  # stale deals found (3 is git trouble)
    items = json.loads(result.stdout)
    # d4 in proposal since 09-12 (50 days), d3 untouched in lead since 10-01 (31 days)
    assert [(i["id"], i["reason"], i["days"]) for i in items] == [
        ("d4", "over_stage_limit", 50.0),
        ("d3", "over_stage_limit", 31.0),
    ]
    assert items[0]["manager"] == "dana" and items[1]["owner"] == "王芳"
    Workspace(repo).create("Fresh", "New Co", opp_id="fresh")
    calm = run(repo, "stale")
    assert calm.exit_code == 0, calm.output


def test_forecast_and_accuracy(story: Path) -> None:
    result = run(story, "forecast", "--json", "--as-of", AS_OF, "--months", "3")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    # open on 11-01: d4 (8000 x 0.5, October); d3 has no date and no amount
    assert data["forecast"] == {
        "2026-10": {"weighted": 4000, "count": 1},
        "unscheduled": {"weighted": 0, "count": 1},
    }
    # at 09-01 00:00 only g was open (proposal, 10000 x 0.5, due September);
    # won in September: g 10000 + d1 12000. At 10-01 only d4 (due October): nothing won.
    assert data["accuracy"] == {
        "2026-08": {"forecast": 0, "won": 0, "accuracy": None},
        "2026-09": {"forecast": 5000, "won": 22000, "accuracy": 4.4},
        "2026-10": {"forecast": 4000, "won": 0, "accuracy": 0.0},
    }
    by_owner = json.loads(run(story, "forecast", "--json", "--by", "owner").stdout)
    assert by_owner["forecast"]["alice"] == {"weighted": 4000, "count": 1}


def test_empty_pipeline_gives_null_rates(repo: Path) -> None:
    data = report_json(repo)
    assert data["summary"]["win_rate"] is None
    assert data["sources"]["website"]["rate"] is None
    assert data["stale"] == []


def test_bad_dates_are_usage_errors(story: Path) -> None:
    result = run(story, "report", "--since", "2026-10-01", "--until", "2026-09-01")
    assert result.exit_code == 2
    assert "--since" in result.output


def test_broken_files_are_reported_and_left_out(repo: Path) -> None:
    Workspace(repo).create("Good", "Good Co", {"source": "website"}, opp_id="good")
    bad = repo / "opportunities" / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: Bad\naccount: X\nstage: lead\ncreated: 2026-01-05\nsource: webinar\n",
        encoding="utf-8",
    )
    result = run(repo, "report", "summary", "hygiene", "--format", "json")
    assert result.exit_code == 1  # after the whole report: a script knows deals are missing
    assert "1 file(s) with errors left out" in result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["open"] == 1
    assert data["hygiene"]["unknown_values"] == [
        {"id": "bad", "field": "source", "value": "webinar"}
    ]


def test_sections_computed_in_a_forked_child_are_the_same(
    story: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large report computes some sections in a second process: the output is the same."""
    from pipeline_tui.cli import report as report_cli
    from pipeline_tui.reports import build
    from pipeline_tui.storage import beside

    forks: list[beside.Beside] = []

    class Counted(beside.Beside):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            forks.append(self)

    monkeypatch.setattr(beside, "Beside", Counted)
    monkeypatch.setattr(beside, "may_fork", lambda files: True)  # one core or threads: forks too
    monkeypatch.setattr(report_cli, "core_idle", lambda: True)  # however busy the machine is
    monkeypatch.setattr(build, "OFFLOAD_FROM", 10**9)
    alone = run(story, "report", "--format", "json", "--as-of", AS_OF)
    monkeypatch.setattr(build, "OFFLOAD_FROM", 0)
    split = run(story, "report", "--format", "json", "--as-of", AS_OF)
    assert alone.exit_code == split.exit_code == 0
    assert split.stdout == alone.stdout
    assert len(forks) == 1
    assert json.loads(split.stdout)["hygiene"]["duplicates"] == []


def test_a_busy_machine_computes_every_section_in_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no core to spare (load average at the cores) a large report does not fork."""
    from pipeline_tui.cli import report as report_cli
    from pipeline_tui.storage import beside

    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.3, 0.3))
    assert report_cli.core_idle()
    monkeypatch.setattr(os, "getloadavg", lambda: (8.0, 8.0, 8.0))
    assert not report_cli.core_idle()
    monkeypatch.setattr(beside, "may_fork", lambda files: True)
    assert report_cli.offload_sections(["hygiene"], lambda name: name) is None


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_report_process_prints_all_of_it_and_exits_cleanly(story: Path, fmt: str) -> None:
    """The command ends its process without the teardown: every byte is out, exit code 0."""
    args = ["--repo", str(story), "report", "--format", fmt, "--as-of", AS_OF]
    env = {**os.environ, "PIPELINE_NOW": "2026-12-01T12:00:00+00:00"}
    found = subprocess.run(
        [sys.executable, "-m", "pipeline_tui", *args], capture_output=True, env=env, check=False
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINE_NOW", env["PIPELINE_NOW"])
        expected = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert found.returncode == expected.exit_code == 0, found.stderr
    assert found.stdout.decode("utf-8") == expected.stdout
    assert found.stdout.endswith(b"\n")


def test_only_a_process_of_its_own_exits_early(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams owned by another (a runner): return; its own: run the handlers, exit 0."""
    import atexit

    from pipeline_tui.cli.teardown import exit_without_teardown

    exits: list[int] = []
    handlers: list[bool] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: handlers.append(True))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    exit_without_teardown()
    assert exits == [] and handlers == []
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    exit_without_teardown()
    assert exits == [0] and handlers == [True]
