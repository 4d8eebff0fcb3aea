"""After a change, ``list --json`` reads only what changed, and is never stale (issue 16).

Every listing here is compared byte for byte with the one a run without any
cache prints (``truth``), after each kind of change a cache could miss: a
commit, a hand edit that keeps size and mtime, a branch switch, a reset that
drops cached commits, a deleted file, damaged or mismatched cache segments,
a damaged snapshot, a commit in a shallow clone, an uncommitted move.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pipeline_tui.cli import cli, listing
from pipeline_tui.cli.listing import serve_warm
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage import cachefile, parsecache, snapshot
from pipeline_tui.storage.store import Store
from tests.conftest import RunCli
from tests.gitutil import deal_path, deal_rel
from tests.history_helpers import day, git, new_deal

pytestmark = pytest.mark.both_layouts

NOW = "2026-03-01T12:00:00+00:00"
DEALS = [f"deal-{n:02}" for n in range(12)]


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled once written (a later write still misses), the clock stands still."""
    monkeypatch.setattr(parsecache, "_RACY_NS", 0)
    monkeypatch.setattr(snapshot, "SETTLE_NS", 0)
    monkeypatch.setenv("PIPELINE_NOW", NOW)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each listing read: "everything" for a full load, else each file parsed."""
    seen: list[str] = []
    full, one = Store.load_with_json, Store.load_file

    def load_all(self: Store, *args: object, **kwargs: object) -> object:
        seen.append("everything")
        return full(self, *args, **kwargs)  # type: ignore[arg-type]

    def load_file(self: Store, file: Path, *args: object) -> object:
        seen.append(self.relpath(file))
        return one(self, file, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "load_with_json", load_all)
    monkeypatch.setattr(Store, "load_file", load_file)
    return seen


@pytest.fixture
def deals(repo: Path, run_cli: RunCli) -> Path:
    ws = Workspace(repo)
    for n, opp_id in enumerate(DEALS):
        new_deal(ws, opp_id, day(n / 10))
    ws.move(DEALS[0], "qualified", at=day(2))
    run_cli("list", "--json")  # the full load, which keeps every row
    return repo


def listed(run_cli: RunCli) -> tuple[str, str]:
    result = run_cli("list", "--json")
    return result.stdout, result.stderr


def truth(repo: Path, run_cli: RunCli) -> tuple[str, str]:
    """What ``list --json`` prints with no cache at all (the caches are put back after)."""
    caches = repo / ".git" / "pipeline-tui"
    aside = repo.parent / "caches-aside"
    shutil.move(caches, aside)
    try:
        return listed(run_cli)
    finally:
        shutil.rmtree(caches, ignore_errors=True)
        shutil.move(aside, caches)


def test_one_commit_reads_the_one_changed_file(
    deals: Path, run_cli: RunCli, reads: list[str]
) -> None:
    Workspace(deals).move(DEALS[3], "qualified", at=day(3))
    reads.clear()

    out = listed(run_cli)

    assert reads == [deal_rel(deals, DEALS[3])]
    assert out == truth(deals, run_cli)
    assert f'"stage_entered": "{day(3).isoformat()}"' in out[0]


def test_nothing_changed_reads_nothing(deals: Path, run_cli: RunCli, reads: list[str]) -> None:
    reads.clear()

    out = listed(run_cli)

    assert reads == []
    assert out == truth(deals, run_cli)


def test_a_hand_edit_keeping_size_and_mtime_is_seen(
    deals: Path, run_cli: RunCli, reads: list[str]
) -> None:
    """Same size, mtime put back to the nanosecond: the change time still differs."""
    path = deal_path(deals, DEALS[5])
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ACME", "ACNE"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    reads.clear()

    out = listed(run_cli)

    assert reads == [deal_rel(deals, DEALS[5])]
    assert '"account": "ACNE"' in out[0]
    assert out == truth(deals, run_cli)


def test_a_hand_edit_committed_with_git(deals: Path, run_cli: RunCli) -> None:
    path = deal_path(deals, DEALS[1])
    path.write_text(path.read_text(encoding="utf-8").replace("stage: lead", "stage: qualified"))
    git(deals, "commit", "-qam", "qualified by hand", at=day(4))

    out = listed(run_cli)

    assert out == truth(deals, run_cli)
    assert f'"stage_entered": "{day(4).isoformat()}"' in out[0]


def test_a_branch_switch_and_back(deals: Path, run_cli: RunCli) -> None:
    main = git(deals, "rev-parse", "--abbrev-ref", "HEAD")
    git(deals, "checkout", "-qb", "other")
    Workspace(deals).move(DEALS[2], "qualified", at=day(5))
    on_other = listed(run_cli)
    git(deals, "checkout", "-q", main)

    back = listed(run_cli)

    assert back == truth(deals, run_cli)
    assert back != on_other
    git(deals, "checkout", "-q", "other")
    assert listed(run_cli) == on_other == truth(deals, run_cli)


def test_a_reset_that_drops_cached_commits(deals: Path, run_cli: RunCli) -> None:
    """The cached head is no longer an ancestor of HEAD: the history is read again."""
    before = listed(run_cli)
    Workspace(deals).move(DEALS[4], "qualified", at=day(6))
    moved = listed(run_cli)
    git(deals, "reset", "-q", "--hard", "HEAD~1")

    assert listed(run_cli) == before == truth(deals, run_cli)
    Workspace(deals).move(DEALS[4], "won", at=day(7))  # a new history past the fork
    after = listed(run_cli)
    assert after == truth(deals, run_cli) and after not in (before, moved)


def test_a_deleted_file_leaves_the_listing(deals: Path, run_cli: RunCli) -> None:
    deal_path(deals, DEALS[6]).unlink()

    out = listed(run_cli)

    assert '"id": "deal-06"' not in out[0]
    assert out == truth(deals, run_cli)
    git(deals, "commit", "-qam", "gone", at=day(8))
    assert listed(run_cli) == truth(deals, run_cli)


@pytest.mark.parametrize("stem", ["list-rows", "parse", "history"])
@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_a_damaged_segment_is_recomputed(
    deals: Path, run_cli: RunCli, stem: str, damage: str
) -> None:
    Workspace(deals).move(DEALS[7], "qualified", at=day(3))
    listed(run_cli)
    segments = sorted((deals / ".git" / "pipeline-tui").glob(f"{stem}-*.pickle"))
    assert segments
    for segment in segments:
        if damage == "missing":
            segment.unlink()
        else:
            data = segment.read_bytes()
            segment.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x80junk")

    assert listed(run_cli) == truth(deals, run_cli)
    assert listed(run_cli) == truth(deals, run_cli)


@pytest.mark.parametrize("stem", ["list-rows", "parse", "history"])
@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_a_damaged_pack_is_recomputed(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, stem: str, damage: str
) -> None:
    """Saves that change many segments write one pack per cache; damaged, it is recomputed."""
    monkeypatch.setattr(cachefile, "PACK_AT", 1)  # a dozen deals: every save packs
    ws = Workspace(repo)
    for n, opp_id in enumerate(DEALS):
        new_deal(ws, opp_id, day(n / 10))
    listed(run_cli)
    ws.move(DEALS[7], "qualified", at=day(3))
    listed(run_cli)
    cache = repo / ".git" / "pipeline-tui"
    assert not list(cache.glob(f"{stem}-??.pickle"))  # all in the pack
    pack = cache / f"{stem}.pack"
    if damage == "missing":
        pack.unlink()
    else:
        data = pack.read_bytes()
        pack.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x80junk")

    assert listed(run_cli) == truth(repo, run_cli)
    assert listed(run_cli) == truth(repo, run_cli)


def test_segments_from_another_write_are_not_mixed(deals: Path, run_cli: RunCli) -> None:
    """A crash after a segment was replaced but before the small file: the pair reads stale."""
    small = deals / ".git" / "pipeline-tui" / "history.pickle"
    old = small.read_bytes()
    Workspace(deals).move(DEALS[8], "qualified", at=day(3))
    listed(run_cli)
    small.write_bytes(old)  # names the segments' previous tokens

    assert listed(run_cli) == truth(deals, run_cli)


def test_two_files_with_one_id_are_reported_as_a_full_load_does(
    deals: Path, run_cli: RunCli
) -> None:
    copy = deals / "opportunities" / "elsewhere" / f"{DEALS[9]}.yaml"
    copy.parent.mkdir()
    copy.write_bytes(deal_path(deals, DEALS[9]).read_bytes())

    out = listed(run_cli)

    assert "duplicate id 'deal-09'" in out[1]
    assert out == truth(deals, run_cli)


def test_many_changed_files_take_the_full_load(
    deals: Path, run_cli: RunCli, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "FEW_CHANGED", 1)
    for opp_id in DEALS[:3]:
        path = deal_path(deals, opp_id)
        path.write_text(path.read_text(encoding="utf-8").replace("ACME", "ACME Ltd"))
    reads.clear()

    out = listed(run_cli)

    assert reads[0] == "everything"
    assert out == truth(deals, run_cli)


def test_rows_kept_from_a_full_load_are_those_the_parse_cache_gives(
    deals: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold full load keeps rows from its own records, as rows read back from the parse cache."""
    from_cache: list[str] = []
    one_by_one = listing._remember_cached

    def counted(*args: Any) -> int:
        from_cache.append(args[3])
        return one_by_one(*args)

    monkeypatch.setattr(listing, "_remember_cached", counted)
    stranger = deal_path(deals, DEALS[4])  # a warning: an owner outside the team
    text = stranger.read_text(encoding="utf-8")
    assert "owner:" not in text
    stranger.write_text(text + "owner: zed\n", encoding="utf-8")
    broken = deals / "opportunities" / "broken.yaml"  # an error, and no record
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    shutil.rmtree(deals / ".git" / "pipeline-tui")
    run_cli("list", "--json")  # cold: rows from the load's records
    assert sorted(from_cache) == sorted(["broken.yaml", deal_rel(deals, DEALS[4]).split("/", 1)[1]])
    store = Store(deals)
    loaded_config = store.load_config()
    kept = listing.row_store(deals, loaded_config).all()
    taken = snapshot.fingerprint(deals)
    assert taken is not None

    shutil.rmtree(deals / ".git" / "pipeline-tui")
    store = Store(deals)
    store.load_with_json(loaded_config)
    listing.remember_rows(store, loaded_config, taken.files())  # rows from the cache alone

    again = listing.row_store(deals, loaded_config).all()
    assert {k: v[2] for k, v in kept.items()} == {k: v[2] for k, v in again.items()}
    assert any(v[2][4] for v in kept.values())  # a row that carries a problem
    assert len(kept) == len(DEALS) + 1


def cli_in(root: Path) -> RunCli:
    """``run_cli`` for another folder (a clone)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--repo", str(root), *args], input=input, catch_exceptions=False)

    return run


def test_a_commit_in_a_shallow_clone_keeps_days_before_it_unknown(
    deals: Path, tmp_path: Path, reads: list[str]
) -> None:
    """Read from kept rows, a stay that began before the clone's history still prints null."""
    clone = tmp_path / "shallow"
    url = f"file://{deals}"
    subprocess.run(["git", "clone", "-q", "--depth", "2", url, str(clone)], check=True)
    in_clone = cli_in(clone)
    first = listed(in_clone)
    assert '"stage_entered": null' in first[0]
    Workspace(clone).move(DEALS[10], "qualified", at=day(9))
    reads.clear()

    out = listed(in_clone)

    assert reads == [deal_rel(clone, DEALS[10])]  # the rows path, not a full load
    assert out == truth(clone, in_clone)
    assert '"stage_entered": null' in out[0]
    assert f'"stage_entered": "{day(9).isoformat()}"' in out[0]


def test_an_uncommitted_move_counts_from_now_on_the_rows_path(
    deals: Path, run_cli: RunCli, reads: list[str]
) -> None:
    path = deal_path(deals, DEALS[11])
    path.write_text(path.read_text(encoding="utf-8").replace("stage: lead", "stage: won"))
    reads.clear()

    out = listed(run_cli)

    assert reads == [deal_rel(deals, DEALS[11])]
    assert out == truth(deals, run_cli)
    assert f'"stage_entered": "{NOW}"' in out[0]


@pytest.mark.parametrize("damage", ["head only", "garbage", "empty"])
def test_a_damaged_snapshot_is_a_miss(deals: Path, run_cli: RunCli, damage: str) -> None:
    """The snapshot's digest is read before its lines: a file cut after it is still a miss."""
    before = listed(run_cli)
    kept = deals / ".git" / "pipeline-tui" / "snapshot-list-json.pickle"
    data = kept.read_bytes()
    with kept.open("rb") as handle:
        pickle.load(handle)  # the head: scope and digest
        head = handle.tell()
    cut = {"head only": data[:head], "garbage": data[:head] + b"\x80junk", "empty": b""}
    kept.write_bytes(cut[damage])

    served = serve_warm(["--repo", str(deals), "list", "--json"])

    assert not served
    assert listed(run_cli) == before == truth(deals, run_cli)
