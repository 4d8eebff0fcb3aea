"""The history engine on real repositories with known, backdated events."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipeline_tui.core.timeline import SECONDS_PER_DAY, StageInterval, Timeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import (
    cache,
    load_timeline,
    load_timelines,
    pipeline_as_of,
    scan_timelines,
)
from pipeline_tui.storage import cachefile
from pipeline_tui.storage.layout import Layout
from pipeline_tui.sync.merge_driver import DRIVER_NAME
from tests.gitutil import deal_path, deal_rel
from tests.history_helpers import day, git, new_deal, set_stage_by_hand

pytestmark = pytest.mark.both_layouts


NOW = day(100)
AUTHOR = "Test User"


def both(root: Path, now: datetime = NOW) -> dict[str, Timeline]:
    """Cached and uncached answers, which must always agree (also one by one)."""
    cached = load_timelines(root, now=now)
    assert scan_timelines(root, now=now) == cached
    assert load_timelines(root, now=now) == cached  # and again, from a warm cache
    for opp_id, timeline in cached.items():
        assert load_timeline(root, opp_id, now=now) == timeline
    assert load_timeline(root, "never-existed", now=now) is None
    return cached


def stay(
    stage: str, entered: datetime, left: datetime | None, commit: str, author: str = AUTHOR
) -> StageInterval:
    return StageInterval(stage, entered, left, commit, author)


def test_forward_moves_give_one_interval_per_stage(repo: Path) -> None:
    ws = Workspace(repo)
    created = new_deal(ws, "acme", day(0))
    qualified = ws.move("acme", "qualified", at=day(2)).commit
    proposal = ws.move("acme", "proposal", at=day(5.5)).commit

    timeline = both(repo)["acme"]

    assert timeline.path == deal_rel(repo, "acme")
    assert timeline.stages == (
        stay("lead", day(0), day(2), created),
        stay("qualified", day(2), day(5.5), qualified),
        stay("proposal", day(5.5), None, proposal),
    )
    assert timeline.days_in("qualified", NOW) == pytest.approx(3.5)
    assert timeline.days_in("proposal", NOW) == pytest.approx(100 - 5.5)
    assert not timeline.deleted


def test_a_move_back_opens_a_second_interval_and_days_add_up(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    first = ws.move("acme", "proposal", at=day(1)).commit
    ws.move("acme", "negotiation", at=day(4))
    second = ws.move("acme", "proposal", at=day(10)).commit

    timeline = both(repo)["acme"]

    proposals = [i for i in timeline.stages if i.stage == "proposal"]
    assert proposals == [
        stay("proposal", day(1), day(4), first),
        stay("proposal", day(10), None, second),
    ]
    assert [i.stage for i in timeline.stages] == ["lead", "proposal", "negotiation", "proposal"]
    assert timeline.days_in("proposal", NOW) == pytest.approx(3 + 90)
    assert timeline.stage_at(day(5)) == "negotiation"


def test_field_changes_are_dotted_and_activities_are_one_change_each(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    amount = ws.set_fields("acme", {"amount": 2500, "contact.name": "Jane"}, at=day(1)).commit
    logged = ws.log("acme", "call", "intro", at=day(2)).commit
    moved = ws.move("acme", "qualified", at=day(3)).commit

    changes = both(repo)["acme"].changes

    assert [(c.field, c.old, c.new, c.commit, c.at) for c in changes] == [
        ("amount", 1000, 2500, amount, day(1)),
        ("contact.name", None, "Jane", amount, day(1)),
        (
            "activities",
            None,
            {"at": day(2).isoformat(), "kind": "call", "by": AUTHOR, "note": "intro"},
            logged,
            day(2),
        ),
    ]
    assert moved not in {c.commit for c in changes}  # stage moves live in .stages


def test_a_renamed_file_keeps_its_timeline(repo: Path) -> None:
    ws = Workspace(repo)
    created = new_deal(ws, "acme", day(0))
    moved = ws.move("acme", "qualified", at=day(1)).commit
    (repo / "opportunities" / "archive").mkdir()
    git(repo, "mv", deal_rel(repo, "acme"), "opportunities/archive/acme.yaml")
    git(repo, "commit", "-qm", "archive acme", at=day(3))

    timeline = both(repo)["acme"]

    assert timeline.path == "opportunities/archive/acme.yaml"
    assert timeline.stages == (
        stay("lead", day(0), day(1), created),
        stay("qualified", day(1), None, moved),
    )
    assert not timeline.deleted


def test_a_hand_edit_committed_with_git_counts_like_a_cli_move(repo: Path) -> None:
    ws = Workspace(repo)
    created = new_deal(ws, "acme", day(0))
    set_stage_by_hand(repo, "acme", "negotiation")
    git(repo, "commit", "-qam", "typo fix (nothing about stages here)", at=day(7), author="Hand Ed")
    sha = git(repo, "rev-parse", "HEAD")

    timeline = both(repo)["acme"]

    assert timeline.stages == (
        stay("lead", day(0), day(7), created),
        stay("negotiation", day(7), None, sha, "Hand Ed"),
    )


def test_a_file_brought_back_to_an_earlier_content_is_read_again(repo: Path) -> None:
    """The reader drops a version once the commit that made it is read; a blob seen again
    (a hand revert back to the very same bytes) is read from git again, with the same answer."""
    ws = Workspace(repo)
    created = new_deal(ws, "acme", day(0))
    set_stage_by_hand(repo, "acme", "proposal")
    git(repo, "commit", "-qam", "to proposal", at=day(2))
    moved = git(repo, "rev-parse", "HEAD")
    set_stage_by_hand(repo, "acme", "lead")
    git(repo, "commit", "-qam", "back to lead", at=day(5))
    back = git(repo, "rev-parse", "HEAD")
    rel = deal_rel(repo, "acme")
    assert git(repo, "rev-parse", f"HEAD:{rel}") == git(repo, "rev-parse", f"HEAD~2:{rel}")

    timeline = both(repo)["acme"]

    assert timeline.stages == (
        stay("lead", day(0), day(2), created),
        stay("proposal", day(2), day(5), moved),
        stay("lead", day(5), None, back),
    )
    assert [(c.field, c.old, c.new) for c in timeline.changes] == []


def test_a_merge_keeps_each_branch_change_at_its_own_author_date(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "a", day(0))
    new_deal(ws, "b", day(0))
    git(repo, "checkout", "-qb", "teammate")
    b_moved = ws.move("b", "proposal", at=day(2)).commit
    ws.log("a", "call", "based on the old stage of a", at=day(6))
    git(repo, "checkout", "-q", "main")
    a_moved = ws.move("a", "qualified", at=day(4)).commit
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "teammate", at=day(9))

    timelines = both(repo)

    assert [(i.stage, i.entered, i.commit) for i in timelines["b"].stages] == [
        ("lead", day(0), timelines["b"].stages[0].commit),
        ("proposal", day(2), b_moved),
    ]
    # The teammate's activity on `a` was written on top of stage lead, but it
    # never moved `a`: a changes only once, at main's own move.
    assert [(i.stage, i.entered, i.commit) for i in timelines["a"].stages] == [
        ("lead", day(0), timelines["a"].stages[0].commit),
        ("qualified", day(4), a_moved),
    ]
    assert [c.at for c in timelines["a"].changes] == [day(6)]
    assert Workspace(repo).get("a").stage == "qualified"


def test_a_merge_that_resolves_a_stage_itself_counts_at_the_merge(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "a", day(0))
    git(repo, "checkout", "-qb", "teammate")
    ws.move("a", "proposal", at=day(2))
    git(repo, "checkout", "-q", "main")
    ws.move("a", "qualified", at=day(3))
    done = git_merge_resolving(repo, "teammate", "negotiation", at=day(5))

    stages = both(repo)["a"].stages

    assert [(i.stage, i.entered) for i in stages] == [
        ("lead", day(0)),
        ("proposal", day(2)),
        ("qualified", day(3)),
        ("negotiation", day(5)),
    ]
    assert stages[-1].commit == done


def git_merge_resolving(repo: Path, branch: str, stage: str, at: datetime) -> str:
    """Merge ``branch`` (conflicting on the stage line) and resolve to ``stage`` by hand.

    The pipeline's field-wise merge driver is switched off for this merge: the
    point is a person resolving a plain git conflict themselves.
    """
    env_at = at
    no_driver = f"merge.{DRIVER_NAME}.driver=false"
    done = git_allow_failure(repo, "-c", no_driver, "merge", "-q", "--no-edit", branch)
    assert done != 0
    git(repo, "checkout", "--ours", deal_rel(repo, "a"))
    set_stage_by_hand(repo, "a", stage)
    git(repo, "add", deal_rel(repo, "a"))
    git(repo, "commit", "-q", "--no-edit", at=env_at)
    return git(repo, "rev-parse", "HEAD")


def git_allow_failure(repo: Path, *args: str) -> int:
    import subprocess

    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False).returncode


def test_an_uncommitted_stage_change_counts_from_now(repo: Path) -> None:
    ws = Workspace(repo)
    created = new_deal(ws, "acme", day(0))
    set_stage_by_hand(repo, "acme", "qualified")

    timeline = both(repo)["acme"]

    assert timeline.stages == (
        stay("lead", day(0), NOW, created),
        StageInterval("qualified", NOW, None, None, None, uncommitted=True),
    )


def test_an_uncommitted_new_file_has_an_uncommitted_timeline(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    text = deal_path(repo, "acme").read_text(encoding="utf-8")
    (repo / "opportunities" / "fresh.yaml").write_text(
        text.replace("id: acme", "id: fresh"), encoding="utf-8"
    )

    timeline = both(repo)["fresh"]

    assert timeline.stages == (StageInterval("lead", NOW, None, None, None, uncommitted=True),)


def test_a_deleted_file_keeps_its_history(repo: Path) -> None:
    ws = Workspace(repo)
    created = new_deal(ws, "gone", day(0))
    moved = ws.move("gone", "qualified", at=day(2)).commit
    git(repo, "rm", "-q", deal_rel(repo, "gone"))
    git(repo, "commit", "-qm", "duplicate", at=day(6))

    timeline = both(repo)["gone"]

    assert timeline.deleted_at == day(6)
    assert timeline.stages == (
        stay("lead", day(0), day(2), created),
        stay("qualified", day(2), day(6), moved),
    )
    assert timeline.stage_at(day(3)) == "qualified"
    assert timeline.stage_at(day(7)) is None


def test_the_cache_follows_new_commits_and_notices_rewritten_history(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "qualified", at=day(1))
    assert [i.stage for i in both(repo)["acme"].stages] == ["lead", "qualified"]

    ws.move("acme", "proposal", at=day(2))  # incremental: one new commit
    assert [i.stage for i in both(repo)["acme"].stages] == ["lead", "qualified", "proposal"]

    git(repo, "reset", "-q", "--hard", "HEAD~2")  # history rewritten: back to lead only
    assert [i.stage for i in both(repo)["acme"].stages] == ["lead"]

    ws2 = Workspace(repo)
    ws2.move("acme", "negotiation", at=day(3))
    git(repo, "commit", "-q", "--amend", "--no-edit", f"--date={day(4).isoformat()}")
    stages = both(repo)["acme"].stages
    assert [(i.stage, i.entered) for i in stages] == [("lead", day(0)), ("negotiation", day(4))]
    assert stages[-1].commit == git(repo, "rev-parse", "HEAD")


def test_pipeline_as_of_reads_files_and_config_as_they_were(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "early", day(0))
    ws.move("early", "qualified", at=day(2))
    config = repo / "pipeline.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("[website,", "[webinar, website,"),
        encoding="utf-8",
    )
    git(repo, "commit", "-qam", "new source", at=day(4))
    new_deal(Workspace(repo), "late", day(5), source="webinar")
    git(repo, "rm", "-q", deal_rel(repo, "early"))
    git(repo, "commit", "-qm", "drop early", at=day(8))

    before = pipeline_as_of(repo, day(3))
    assert [(r.id, r.stage) for r in before.opportunities] == [("early", "qualified")]
    assert "webinar" not in before.config.sources
    assert pipeline_as_of(repo, day(1)).get("early").stage == "lead"
    later = pipeline_as_of(repo, day(6))
    assert sorted(r.id for r in later.opportunities) == ["early", "late"]
    assert "webinar" in later.config.sources
    assert [r.id for r in pipeline_as_of(repo, day(9)).opportunities] == ["late"]
    assert pipeline_as_of(repo, day(-30)).opportunities == ()


def test_interval_days_are_author_date_differences(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "qualified", at=day(0) + (day(1) - day(0)) / 4)
    lead = both(repo)["acme"].stages[0]
    assert lead.days(NOW) == pytest.approx(6 * 3600 / SECONDS_PER_DAY)


def test_a_cold_scan_reports_progress_and_a_warm_one_does_not(repo: Path) -> None:
    ws = Workspace(repo)
    for name in ("a", "b"):
        new_deal(ws, name, day(0))
    calls: list[tuple[int, int]] = []

    load_timelines(repo, progress=lambda done, total: calls.append((done, total)), now=NOW)
    total = int(git(repo, "rev-list", "--count", "HEAD"))
    assert calls[0] == (0, total) and calls[-1] == (total, total)

    calls.clear()
    load_timelines(repo, progress=lambda done, total: calls.append((done, total)), now=NOW)
    assert calls == []


def test_a_missing_or_damaged_cache_file_is_rebuilt(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "qualified", at=day(1))
    expected = both(repo)
    cache_dir = repo / ".git" / "pipeline-tui"
    segments = sorted(cache_dir.glob("history-*.pickle"))
    assert segments
    segments[0].unlink()
    assert load_timelines(repo, now=NOW) == expected
    segments = sorted(cache_dir.glob("history-*.pickle"))
    segments[0].write_bytes(segments[0].read_bytes()[:40])  # truncated
    assert load_timelines(repo, now=NOW) == expected
    (cache_dir / "history.pickle").write_bytes(b"garbage")
    assert load_timelines(repo, now=NOW) == expected


def test_a_pipeline_in_a_subfolder_of_a_bigger_repository(tmp_path: Path, layout: Layout) -> None:
    from pipeline_tui.sync.setup import init_pipeline

    top = tmp_path / "company"
    top.mkdir()
    git(top, "init", "-q")
    (top / "README").write_text("other things live here\n", encoding="utf-8")
    git(top, "add", "README")
    git(top, "commit", "-qm", "unrelated", at=day(-1))
    root = init_pipeline(top / "sales", layout="flat")
    ws = Workspace(root)
    created = new_deal(ws, "acme", day(0))
    moved = ws.move("acme", "qualified", at=day(1)).commit

    timeline = both(root)["acme"]

    assert timeline.path == deal_rel(root, "acme")
    assert timeline.stages == (
        stay("lead", day(0), day(1), created),
        stay("qualified", day(1), None, moved),
    )
    assert pipeline_as_of(root, day(0.5)).get("acme").stage == "lead"


def test_a_cache_written_for_other_dataclass_fields_is_not_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_deal(Workspace(repo), "acme", day(0))
    expected = both(repo)
    assert cache.read(cache.cache_file(repo, "")) is not None
    monkeypatch.setattr(cachefile, "layout", lambda classes: "Timeline(id,stages,added_field)")
    assert cache.read(cache.cache_file(repo, "")) is None
    assert load_timelines(repo, now=NOW) == expected
