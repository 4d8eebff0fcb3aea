"""The demo: the bundled sample replays into a real git repo whose history is the story.

The sample is materialized once per module (it takes a few seconds); every
expectation is computed here from ``sample_repo/events.yaml`` itself, read with
a plain YAML loader, not from the code under test.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from pipeline_tui.cli import cli
from pipeline_tui.core.errors import BadRequest, ExitCode, InvalidData
from pipeline_tui.demo.build import materialize, sample_dir

OPS = ("create", "set", "move", "log", "close", "assign")
CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_DAYS = {"lead": 14, "qualified": 21, "proposal": 21, "negotiation": 30}
Progress = tuple[int, int]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def cli_json(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--repo", str(root), *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


TWO_EVENTS = """\
events:
  - {at: 2026-06-01T09:00:00+00:00, by: alice, create: x-1, title: X, account: A}
  - {at: 2026-06-02T09:00:00+00:00, by: bob, log: x-1, kind: call, note: Hi}
"""


def tiny_events(tmp_path: Path, events_yaml: str) -> Path:
    """A two-event story with the sample's config, for the cases that need no history."""
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    config = (sample_dir() / "pipeline.yaml").read_text(encoding="utf-8")
    (events_dir / "pipeline.yaml").write_text(config, encoding="utf-8")
    (events_dir / "events.yaml").write_text(events_yaml, encoding="utf-8")
    return events_dir


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    """The sample's events, straight from the YAML."""
    text = (sample_dir() / "events.yaml").read_text(encoding="utf-8")
    data: list[dict[str, Any]] = YAML(typ="safe").load(text)["events"]
    return data


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Progress]]]:
    """The sample materialized once (with the progress calls it made), git isolated as in
    conftest's fixture."""
    home = tmp_path_factory.mktemp("demo-home")
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("HOME", str(home))
        for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "PIPELINE_REPO"):
            mp.delenv(var, raising=False)
        seen: list[Progress] = []
        dest = tmp_path_factory.mktemp("demo") / "deals"
        root = materialize(sample_dir(), dest, lambda done, total: seen.append((done, total)))
        yield root, seen


@pytest.fixture
def sample(replayed: tuple[Path, list[Progress]]) -> Path:
    return replayed[0]


def target(event: dict[str, Any]) -> str:
    return str(next(event[op] for op in OPS if op in event))


def test_about_forty_opportunities_one_per_create_event(
    sample: Path, events: list[dict[str, Any]]
) -> None:
    created = {e["create"] for e in events if "create" in e}
    files = {p.stem for p in (sample / "opportunities").glob("*.yaml")}
    assert files == created
    assert 35 <= len(files) <= 45


def test_every_file_validates_without_warnings(sample: Path) -> None:
    result = CliRunner().invoke(cli, ["--repo", str(sample), "validate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert cli_json(sample, "validate") == []


def test_every_stage_source_and_several_owners_appear(sample: Path) -> None:
    records = cli_json(sample, "list")
    assert {r["stage"] for r in records} == {
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    }
    assert {r["source"] for r in records} == {"website", "referral", "event", "outbound", "partner"}
    assert len({r["owner"] for r in records}) >= 5


def test_closed_deals_carry_their_reasons(sample: Path) -> None:
    records = cli_json(sample, "list")
    lost = [r for r in records if r["stage"] == "lost"]
    won = [r for r in records if r["stage"] == "won"]
    reasons = {"price", "competitor", "no-budget", "timing", "no-response"}
    assert len(lost) >= 5 and all(r.get("lost_reason") in reasons for r in lost)
    assert len({r["lost_reason"] for r in lost}) >= 4
    assert len(won) >= 5 and all(r.get("won_reason") for r in won)


def test_chinese_titles_accounts_notes_and_owners(sample: Path) -> None:
    records = cli_json(sample, "list")
    assert sum(bool(CJK.search(r["title"])) for r in records) >= 3
    assert sum(bool(CJK.search(r["account"])) for r in records) >= 3
    assert any(CJK.search(r.get("notes") or "") for r in records)
    assert {"王芳", "李伟"} <= {r["owner"] for r in records}


def test_profiles_contacts_custom_fields_and_next_steps(sample: Path) -> None:
    records = cli_json(sample, "list")
    profile_sizes = {len(r.get("profile") or {}) for r in records}
    assert 0 in profile_sizes and 5 in profile_sizes and profile_sizes & {1, 2, 3, 4}
    known = {
        *("id", "title", "account", "stage", "amount", "currency", "owner", "source"),
        *("created", "expected_close", "probability", "next_step", "lost_reason"),
        *("won_reason", "contact", "profile", "tags", "activities", "notes", "path"),
    }
    assert any(set(r) - known for r in records)  # custom fields
    open_records = [r for r in records if r["stage"] not in {"won", "lost"}]
    assert all(r.get("next_step") for r in open_records)
    assert all(r["contact"]["email"] for r in records if r["stage"] == "qualified")


def test_one_commit_per_event_plus_the_config(sample: Path, events: list[dict[str, Any]]) -> None:
    assert int(git(sample, "rev-list", "--count", "HEAD")) == len(events) + 1
    assert git(sample, "status", "--porcelain") == ""
    root = git(sample, "rev-list", "--max-parents=0", "HEAD").strip()
    shown = git(sample, "show", "--name-only", "--format=%s", root).split()
    assert shown == ["pipeline:", "initialize", ".gitattributes", "pipeline.yaml"]
    driver = git(sample, "config", "merge.pipeline.driver")  # teammates merge field-wise
    assert "merge-driver" in driver


def test_author_names_and_dates_are_the_events(sample: Path, events: list[dict[str, Any]]) -> None:
    log = git(sample, "log", "--reverse", "--format=%an%x1f%aI%x1f%s%x1e")
    commits = [c.strip("\n").split("\x1f") for c in log.split("\x1e") if c.strip()]
    assert commits[0][1] == events[0]["at"].isoformat()  # the config: earliest date
    for event, (name, when, subject) in zip(events, commits[1:], strict=True):
        assert name == event["by"]
        assert datetime.fromisoformat(when) == event["at"]
        assert datetime.fromisoformat(when).utcoffset() == event["at"].utcoffset()
        assert subject.startswith(f"{target(event)}: ")


def test_a_few_events_by_hand(sample: Path, events: list[dict[str, Any]]) -> None:
    """Spot checks: a Chinese owner's close, and the move back to proposal."""
    log = git(sample, "log", "--format=%an%x1f%aI%x1f%B%x1e")
    commits = {
        (when, body.split(":")[0]): (name, body.strip())
        for name, when, body in (c.strip("\n").split("\x1f") for c in log.split("\x1e")[:-1])
    }
    close = next(e for e in events if "close" in e and e["by"] == "王芳")
    assert commits[close["at"].isoformat(), close["close"]] == (
        "王芳",
        f"{close['close']}: stage negotiation -> {close['outcome']} ({close['reason']})",
    )
    back = next(e for e in events if e.get("move") and e.get("note"))
    assert commits[back["at"].isoformat(), back["move"]] == (
        back["by"],
        f"{back['move']}: stage negotiation -> proposal\n\n{back['note']}",
    )


def test_some_open_deals_are_stale(sample: Path, events: list[dict[str, Any]]) -> None:
    """Past the stage's max_days at the last event, and a next step already overdue."""
    end = max(e["at"] for e in events)
    entered: dict[str, datetime] = {e["create"]: e["at"] for e in events if "create" in e}
    entered.update({e["move"]: e["at"] for e in events if "move" in e})
    records = cli_json(sample, "list")
    open_records = [r for r in records if r["stage"] in MAX_DAYS]
    too_long = [
        r for r in open_records if end - entered[r["id"]] > timedelta(days=MAX_DAYS[r["stage"]])
    ]
    overdue = [r for r in open_records if date.fromisoformat(r["next_step"]["due"]) < end.date()]
    assert 2 <= len(too_long) <= 8
    assert 2 <= len(overdue) <= 8
    assert len(too_long) < len(open_records) / 2  # most of the pipeline is healthy


def test_materialize_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(BadRequest, match="not empty"):
        materialize(sample_dir(), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_inside_another_repository_the_demo_gets_its_own(tmp_path: Path) -> None:
    """A demo folder inside a project never writes into the project's repository."""
    outer = tmp_path / "project"
    outer.mkdir()
    git(outer, "init", "-q")
    root = materialize(tiny_events(tmp_path, TWO_EVENTS), outer / "demo")
    assert root == (outer / "demo").resolve()
    assert (root / ".git").is_dir()
    assert not (outer / "pipeline.yaml").exists()
    assert git(outer, "status", "--porcelain") == "?? demo/\n"


SECOND = "{at: 2026-06-02T09:00:00+00:00, by: bob, log: x-1, kind: call, note: Hi}"


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            "{at: 2026-06-02T09:00:00+00:00, by: bob, move: x-1, stage: qualified}",
            r"event 2 \(move x-1 at .*\): .*contact\.email",
        ),
        (
            "{at: 2026-06-02T09:00:00+00:00, by: bob, log: x-1, move: x-1, stage: won}",
            r"event 2: name exactly one of create, set",
        ),
        (
            "{at: 2026-06-02T09:00:00+00:00, by: bob, log: x-1, kind: chat, note: Hi}",
            r"event 2 \(log x-1 .*\): .*kind",
        ),
        (
            "{at: 2026-05-01T09:00:00+00:00, by: bob, log: x-1, kind: call, note: Hi}",
            r"event 2 .*dated before event 1",
        ),
        ("{at: 2026-06-02T09:00:00+00:00, by: bob, log: [", r"events.yaml:\d+: error: YAML"),
        ("{by: bob, log: x-1, kind: call, note: Hi}", r"event 2: missing at"),
    ],
)
def test_a_bad_event_is_named(tmp_path: Path, second: str, message: str) -> None:
    """An event that is malformed, or that a live command would refuse, stops the replay."""
    with pytest.raises(InvalidData) as caught:
        materialize(tiny_events(tmp_path, TWO_EVENTS.replace(SECOND, second)), tmp_path / "out")
    said = " ".join([str(caught.value), *(str(p) for p in caught.value.problems)])
    assert re.search(message, said), said


def test_progress_reports_every_event(
    replayed: tuple[Path, list[Progress]], events: list[dict[str, Any]]
) -> None:
    assert replayed[1] == [(n, len(events)) for n in range(1, len(events) + 1)]


def test_cli_demo_end_to_end(tmp_path: Path, events: list[dict[str, Any]]) -> None:
    dest = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(dest)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"cd {dest.resolve()} && pipeline list" in result.stdout
    first_id = next(e["create"] for e in events if "create" in e)
    assert first_id in result.stdout  # not a terminal: the list is printed
    check = CliRunner().invoke(cli, ["--repo", str(dest), "validate"], catch_exceptions=False)
    assert check.exit_code == 0
    again = CliRunner().invoke(cli, ["demo", str(dest)], catch_exceptions=False)
    assert again.exit_code == 2
    assert "not empty" in again.stderr


SHIFTED = """\
events:
  - at: 2026-06-01T09:00:00+00:00
    by: alice
    create: x-1
    title: X
    account: A
    fields: {next_step.due: 2026-06-05, expected_close: 2026-07-01}
  - {at: 2026-06-02T23:30:00+08:00, by: bob, log: x-1, kind: call, note: Hi}
"""


def test_last_day_moves_every_date_by_whole_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last event lands on the day asked (in its own zone); field dates move alike."""
    monkeypatch.setenv("PIPELINE_NOW", "2027-03-10T09:00:00+00:00")
    root = materialize(tiny_events(tmp_path, SHIFTED), tmp_path / "out", last_day=date(2027, 3, 9))
    dates = git(root, "log", "--reverse", "--format=%aI").split()
    assert dates == [
        "2027-03-08T09:00:00+00:00",  # the config, dated like the first event
        "2027-03-08T09:00:00+00:00",
        "2027-03-09T23:30:00+08:00",  # 280 days later, same time of day and zone
    ]
    record = cli_json(root, "show", "x-1")
    assert record["next_step"] == {"due": "2027-03-12"}
    assert record["expected_close"] == "2027-04-07"
    assert record["created"] == "2027-03-08T09:00:00+00:00"


@pytest.mark.long
def test_pipeline_demo_ends_yesterday_with_a_few_stale_and_overdue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run months after the story's dates, the demo still reads as docs/demo.md says."""
    monkeypatch.setenv("PIPELINE_NOW", "2027-03-10T09:00:00+00:00")
    dest = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(dest)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    last = datetime.fromisoformat(git(dest, "log", "-1", "--format=%aI").strip())
    assert last.date() == date(2027, 3, 9)
    stale = CliRunner().invoke(cli, ["--repo", str(dest), "stale", "--json"])
    assert stale.exit_code == ExitCode.STALE  # something is stale
    assert 2 <= len(json.loads(stale.stdout)) <= 8
    records = cli_json(dest, "list")
    open_records = [r for r in records if r["stage"] in MAX_DAYS]
    overdue = [r for r in open_records if r["next_step"]["due"] < "2027-03-10"]
    assert 2 <= len(overdue) <= 8
    assert len(overdue) < len(open_records) / 3  # most of the pipeline is current
