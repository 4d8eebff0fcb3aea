"""The stat-keyed parse cache behind ``Store.load``: same answers, fewer parses."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage import filecheck, parsecache
from pipeline_tui.storage.store import Store
from tests.history_helpers import day, new_deal

HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


def settle(root: Path) -> None:
    """Date every pipeline file an hour back, so the cache may trust their stat."""
    for path in [root / "pipeline.yaml", *(root / "opportunities").glob("*.yaml")]:
        os.utime(path, ns=(HOUR_AGO_NS, HOUR_AGO_NS))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually parsed (cache misses)."""
    parsed: list[str] = []
    real = filecheck.checked_opportunity_text

    def spy(text: str, path: str, config: PipelineConfig) -> filecheck.Checked:
        parsed.append(path)
        return real(text, path, config)

    monkeypatch.setattr(filecheck, "checked_opportunity_text", spy)
    return parsed


def test_a_warm_load_parses_nothing_and_gives_the_same_pipeline(
    repo: Path, counted: list[str]
) -> None:
    ws = Workspace(repo)
    for name in ("a", "b", "c"):
        new_deal(ws, name, day(0))
    settle(repo)
    first = Store(repo).load()
    counted.clear()

    second = Store(repo).load()

    assert counted == []
    assert second == first
    assert (repo / ".git" / "pipeline-tui" / parsecache.CACHE_NAME).is_file()


def test_a_changed_file_is_parsed_again(repo: Path, counted: list[str]) -> None:
    ws = Workspace(repo)
    new_deal(ws, "a", day(0))
    new_deal(ws, "b", day(0))
    settle(repo)
    Store(repo).load()
    path = repo / "opportunities" / "a.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("ACME", "ACNE"), encoding="utf-8")
    os.utime(path, ns=(HOUR_AGO_NS + 10**9, HOUR_AGO_NS + 10**9))  # same size, new mtime
    counted.clear()

    loaded = Store(repo).load()

    assert counted == ["opportunities/a.yaml"]
    assert loaded.get("a").account == "ACNE"


def test_a_file_written_just_now_is_never_trusted(repo: Path, counted: list[str]) -> None:
    new_deal(Workspace(repo), "a", day(0))  # mtime: now
    Store(repo).load()
    counted.clear()
    Store(repo).load()
    assert counted == ["opportunities/a.yaml"]


def test_a_config_change_voids_every_entry(repo: Path, counted: list[str]) -> None:
    ws = Workspace(repo)
    new_deal(ws, "a", day(0), source="website")
    settle(repo)
    assert Store(repo).load().problems == ()
    config = repo / "pipeline.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("[website,", "["), encoding="utf-8"
    )
    os.utime(config, ns=(HOUR_AGO_NS + 10**9, HOUR_AGO_NS + 10**9))
    counted.clear()

    loaded = Store(repo).load()

    assert counted == ["opportunities/a.yaml"]
    assert [p.field for p in loaded.problems] == ["source"]


def test_a_deleted_file_leaves_the_cache(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "a", day(0))
    new_deal(ws, "b", day(0))
    settle(repo)
    Store(repo).load()
    (repo / "opportunities" / "b.yaml").unlink()
    assert [r.id for r in Store(repo).load().opportunities] == ["a"]
    assert set(parsecache.ParseCache(repo).entries) == {"a.yaml"}  # as saved


def test_a_damaged_cache_file_is_ignored(repo: Path) -> None:
    new_deal(Workspace(repo), "a", day(0))
    settle(repo)
    Store(repo).load()
    cache_file = repo / ".git" / "pipeline-tui" / parsecache.CACHE_NAME
    cache_file.write_bytes(b"not a pickle")
    assert [r.id for r in Store(repo).load().opportunities] == ["a"]


def test_an_edit_that_restores_size_and_mtime_is_parsed_again(
    repo: Path, counted: list[str]
) -> None:
    """The change time (which no program can set back) and the inode are in the key too."""
    new_deal(Workspace(repo), "a", day(0))
    settle(repo)
    Store(repo).load()
    path = repo / "opportunities" / "a.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("ACME", "ACNE"), encoding="utf-8")
    os.utime(path, ns=(HOUR_AGO_NS, HOUR_AGO_NS))  # size and mtime exactly as cached
    counted.clear()

    loaded = Store(repo).load()

    assert counted == ["opportunities/a.yaml"]
    assert loaded.get("a").account == "ACNE"


def test_get_all_answers_as_get_does_file_by_file(repo: Path) -> None:
    """The one-pass look-up of a large load: a hit, a changed file, a racy one, no key, unknown."""
    ws = Workspace(repo)
    for name in ("a", "b", "c"):
        new_deal(ws, name, day(0))
    settle(repo)
    Store(repo).load()
    cache = parsecache.ParseCache(repo)
    keys = {
        name: parsecache.stat_key((repo / "opportunities" / name).stat())
        for name in ("a.yaml", "b.yaml", "c.yaml")
    }
    size, mtime, ctime, inode = keys["b.yaml"]
    asked: list[tuple[str, parsecache.Key | None]] = [
        ("a.yaml", keys["a.yaml"]),
        ("b.yaml", (size + 1, mtime, ctime, inode)),  # changed
        ("c.yaml", (*keys["c.yaml"][:1], time.time_ns(), *keys["c.yaml"][2:])),  # just written
        ("c.yaml", None),
        ("gone.yaml", keys["a.yaml"]),
    ]
    names = [name for name, _ in asked]
    wanted = [key for _, key in asked]
    one_by_one = [None if key is None else cache.get(name, key) for name, key in asked]
    assert cache.get_all(names, wanted) == one_by_one
    assert one_by_one[0] is not None and one_by_one[0][0].id == "a"
    assert one_by_one[1:] == [None] * 4
