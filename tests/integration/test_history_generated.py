"""Cached, incremental and uncached history agree on a few hundred generated deals."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from pipeline_tui.core.errors import RepoError
from pipeline_tui.core.timeline import StayMark, Timeline, interval_of
from pipeline_tui.history import (
    cache,
    current_stays,
    load_timelines,
    pipeline_as_of,
    prefetch,
    prefetch_worker,
    scan_timelines,
)
from pipeline_tui.storage.store import Store
from tests.decoy import plant_decoy
from tests.history_helpers import day, git

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from synth import build_repo

NOW = day(1000)


def test_cached_incremental_and_uncached_timelines_are_identical(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "synthetic", deals=300, seed=7)
    git(root, "checkout", "-q", "HEAD~80")  # the cache first sees an older head ...
    older = load_timelines(root, now=NOW)
    assert older == scan_timelines(root, now=NOW)
    git(root, "checkout", "-q", "main")  # ... then catches up with 80 new commits

    cached = load_timelines(root, now=NOW)
    uncached = scan_timelines(root, now=NOW)

    assert cached == uncached
    assert load_timelines(root, now=NOW) == uncached
    assert len(older) < len(cached) or older != cached
    current = Store(root).load()
    stays = current_stays(root, current, now=NOW)
    assert stays == {r.id: cached[r.id].current for r in current.opportunities}
    for record in current.opportunities:  # every file in the work tree has a timeline ...
        timeline = cached[record.id]
        assert timeline.current is not None and timeline.current.stage == record.stage
        assert not timeline.deleted
    deleted = {i for i, t in cached.items() if t.deleted}
    assert deleted  # ... and the deleted ones kept theirs
    assert not deleted & {r.id for r in current.opportunities}
    moved_back = [t for t in cached.values() if len({i.stage for i in t.stages}) < len(t.stages)]
    assert moved_back  # the generator moves some deals back: several stays in one stage


def test_as_of_now_is_the_committed_pipeline(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "synthetic", deals=300, seed=3)
    now = Store(root).load()
    then = pipeline_as_of(root, NOW)  # hundreds of blobs through one cat-file
    assert then.problems == now.problems == ()
    assert then.opportunities == now.opportunities
    early = pipeline_as_of(root, day(-365))
    assert 0 < len(early.opportunities) < len(now.opportunities)


def test_a_prefetch_gives_the_answer_a_plain_read_gives(tmp_path: Path) -> None:
    """The background read started before the work tree is parsed changes nothing."""
    root = build_repo(tmp_path / "synthetic", deals=120, seed=5)
    current = Store(root).load()
    uncached = scan_timelines(root, now=NOW)

    prefetch(root)
    prefetch(root)  # a second call while the first runs starts nothing more
    stays = current_stays(root, current, now=NOW)

    assert stays == {r.id: uncached[r.id].current for r in current.opportunities}
    assert load_timelines(root, now=NOW) == uncached


def test_a_prefetch_overtaken_by_a_commit_is_brought_up_to_date(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "synthetic", deals=60, seed=9)
    git(root, "checkout", "-q", "HEAD~10")
    prefetch(root)
    git(root, "checkout", "-q", "main")  # HEAD moves before anyone asks

    timelines = load_timelines(root, now=NOW)

    assert timelines == scan_timelines(root, now=NOW)


def test_a_prefetch_that_fails_raises_where_the_answer_is_asked_for(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "synthetic", deals=10, seed=1)
    current = Store(root).load()
    git(root, "config", "core.repositoryformatversion", "99")  # git refuses the repository

    prefetch(root)

    with pytest.raises(RepoError):
        current_stays(root, current, now=NOW)


def test_the_prefetch_process_leaves_a_cache_for_this_one_and_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second process saves the cache (this one reads it warm) and passes its progress on."""
    root = build_repo(tmp_path / "synthetic", deals=120, seed=5)
    monkeypatch.setattr(prefetch_worker, "SPAWN_FROM", 100)  # 120 deals count as large
    reports: list[tuple[int, int]] = []

    prefetch_worker.start(root)
    assert prefetch_worker.collect(root, lambda d, t: reports.append((d, t))) is None  # it ran

    saved = cache.read(cache.cache_file(root, ""))
    assert saved is not None and saved.head == git(root, "rev-parse", "HEAD")
    assert reports and reports[-1][0] == reports[-1][1] > 0
    assert saved.stays == {
        opp_id: t.current
        for opp_id, t in scan_timelines(root, now=NOW).items()
        if t.current is not None and not t.deleted and not t.current.uncommitted
    }


def test_an_unwatched_second_process_saves_the_same_cache_and_reports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``watched=False`` (a ``list --json`` into a pipe): no progress, so no commit count."""
    root = build_repo(tmp_path / "synthetic", deals=120, seed=5)
    monkeypatch.setattr(prefetch_worker, "SPAWN_FROM", 100)
    reports: list[tuple[int, int]] = []

    prefetch_worker.start(root, watched=False)
    assert prefetch_worker.collect(root, lambda d, t: reports.append((d, t))) is None  # it ran

    saved = cache.read(cache.cache_file(root, ""))
    assert saved is not None and saved.head == git(root, "rev-parse", "HEAD")
    assert reports == []
    assert load_timelines(root, now=NOW) == scan_timelines(root, now=NOW)


def test_the_second_process_never_imports_code_from_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_repo(tmp_path / "synthetic", deals=120, seed=5)
    monkeypatch.setattr(prefetch_worker, "SPAWN_FROM", 100)
    mark = tmp_path / "decoy-ran"
    plant_decoy(root, mark)  # the process runs in the pipeline's folder

    prefetch_worker.start(root)
    assert prefetch_worker.collect(root, None) is None  # it ran

    assert not mark.exists()
    saved = cache.read(cache.cache_file(root, ""))
    assert saved is not None and saved.head == git(root, "rev-parse", "HEAD")


def test_no_second_process_reads_a_cache_that_already_matches_head(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "synthetic", deals=40, seed=2)
    current = Store(root).load()
    expected = current_stays(root, current, now=NOW)  # a cold read saves the cache

    prefetch_worker.start(root)
    ready = prefetch_worker.collect(root, None)

    assert ready is not None and ready.head == git(root, "rev-parse", "HEAD")
    prefetch(root)
    assert current_stays(root, current, now=NOW) == expected
    git(root, "commit", "-q", "--allow-empty", "-m", "HEAD moves: the cache is behind")
    prefetch_worker.start(root)  # a cache to extend by one commit: read here, no process
    assert prefetch_worker.collect(root, None) is None
    behind = cache.read(cache.cache_file(root, ""))
    assert behind is not None and behind.head != git(root, "rev-parse", "HEAD")
    assert current_stays(root, current, now=NOW) == expected  # extended in this process


def test_no_second_process_for_a_small_pipeline(tmp_path: Path) -> None:
    """Under SPAWN_FROM deal files a cold read stays in this process (an interpreter costs more)."""
    root = build_repo(tmp_path / "synthetic", deals=40, seed=3)
    prefetch_worker.start(root)
    assert prefetch_worker.collect(root, None) is None
    assert cache.read(cache.cache_file(root, "")) is None  # nobody read the history yet
    assert prefetch_worker.SPAWN_FROM > 40


def test_the_second_process_hands_over_the_stays_the_saved_cache_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold ``list --json`` takes the stays before the cache is saved; they are the same."""
    root = build_repo(tmp_path / "synthetic", deals=120, seed=5)
    monkeypatch.setattr(prefetch_worker, "SPAWN_FROM", 100)
    current = Store(root).load()
    timelines = scan(root)
    expected = {r.id: timelines[r.id].current for r in current.opportunities}
    reports: list[tuple[int, int]] = []

    prefetch_worker.start(root)
    handed = prefetch_worker.handed_marks(root, lambda d, t: reports.append((d, t)))

    assert handed is not None
    assert {r.id: interval_of(handed[r.id]) for r in current.opportunities} == expected
    assert reports and reports[-1][0] == reports[-1][1] > 0  # progress came before them
    prefetch_worker.start(root)  # still saving: nothing more is started
    assert prefetch_worker.collect(root, None) is None  # waits for it to finish
    saved = cache.read(cache.cache_file(root, ""))
    assert saved is not None and saved.marks == handed
    assert current_stays(root, current, now=NOW) == expected  # now from the saved cache


def test_stays_handed_over_for_an_older_head_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_repo(tmp_path / "synthetic", deals=120, seed=9)
    monkeypatch.setattr(prefetch_worker, "SPAWN_FROM", 100)
    git(root, "checkout", "-q", "HEAD~10")
    prefetch_worker.start(root)
    stays = prefetch_worker.handed_marks(root, None)  # read at HEAD~10
    assert stays is not None
    git(root, "checkout", "-q", "main")  # HEAD moves before the listing asks again
    current = Store(root).load()

    timelines = scan(root)

    prefetch_worker.start(root)  # the first is still there: nothing new starts
    assert current_stays(root, current, now=NOW) == {
        r.id: timelines[r.id].current for r in current.opportunities
    }
    assert prefetch_worker.handed_marks(root, None) is None  # nothing runs any more


def test_a_full_build_tells_the_stays_before_it_saves_anything(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "synthetic", deals=80, seed=4)
    file = cache.cache_file(root, "")
    told: list[tuple[str | None, dict[str, StayMark], bool]] = []

    def stays_ready(head: str | None, stays: dict[str, StayMark]) -> None:
        told.append((head, stays, cache.read(file) is None))

    state = cache.fresh(root, None, entries=False, stays_ready=stays_ready)

    [(head, stays, unsaved)] = told
    assert unsaved and head == state.head == git(root, "rev-parse", "HEAD")
    assert stays == state.marks
    cache.fresh(root, None, entries=False, stays_ready=stays_ready)
    assert len(told) == 1  # a current cache is read, not built: nothing told


def test_a_cut_short_hand_over_reads_as_none_after_the_progress_before_it() -> None:
    reports: list[tuple[int, int]] = []
    cut = io.BytesIO(b"3 10\nstays 100\nonly part of it")

    assert prefetch_worker._read_to_stays(cut, lambda d, t: reports.append((d, t))) is None
    assert reports == [(3, 10)]


def scan(root: Path) -> dict[str, Timeline]:
    return scan_timelines(root, now=NOW)
