"""The one cache helper: scoped files in ``.git/pipeline-tui/``, replaced atomically.

A cache may be lost but never half-written: a save that fails or is killed
half-way leaves the previous file readable, and no temp file stays behind.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline_tui import __version__
from pipeline_tui.core.model import Problem
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git import log
from pipeline_tui.history import cache as history_cache
from pipeline_tui.history import load_timelines, pipeline_as_of
from pipeline_tui.history.events import History
from pipeline_tui.history.reader import read_history
from pipeline_tui.storage import cachefile, pickling
from pipeline_tui.storage.cachefile import CacheFile, segment_of
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.storage.store import Store
from tests.gitutil import deal_rel, git
from tests.history_helpers import day, new_deal

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline_tui"

#: Starts a save, announces it once the new bytes are in the temp file, then
#: blocks inside the fsync until it is killed.
KILLED_MID_WRITE = """
import os, sys
from pathlib import Path
from pipeline_tui.storage.cachefile import CacheFile, segment_of

def stall(*_args: object) -> None:  # the temp file is written, the rename is next
    print("writing", flush=True)
    sys.stdin.read()

os.replace = stall
CacheFile(Path(sys.argv[1]), "scope", ()).save("new value " * 10_000)
"""


@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def saved(tmp_path: Path) -> CacheFile:
    """A cache file that already holds ``"old"``."""
    file = CacheFile(tmp_path / "pipeline-tui" / "test.pickle", "scope", ())
    assert file.save("old")
    return file


def test_a_value_saved_is_loaded_back_only_under_the_same_scope(saved: CacheFile) -> None:
    assert saved.load() == "old"
    assert CacheFile(saved.path, "other scope", ()).load() is None


def test_the_scope_holds_the_package_version_and_the_records_fields(repo: Path) -> None:
    file = CacheFile.of(repo, "x.pickle", 3, "sub/", classes=(Point,))
    assert file.scope == f"{__version__}|3|sub/|Point:built(x,y)"
    assert file.path == repo / ".git" / "pipeline-tui" / "x.pickle"


def test_records_are_packed_as_constructor_calls_and_read_back(saved: CacheFile) -> None:
    file = CacheFile(saved.path, "scope", (Point, Problem))
    value = {"a": [Point(1, 2), Point(3, 4)], "p": Problem("a.yaml", "bad", 3, "stage")}
    assert pickling.unpack(file.pack(value)) == value
    assert file.save(value)
    assert file.load() == value


@dataclass(frozen=True, slots=True)
class Checked:
    """A record whose constructor does more than set fields: packed as a class call."""

    x: int

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError(self.x)


def test_records_are_built_without_their_init_only_where_that_is_the_same(
    saved: CacheFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen slotted record is filled slot by slot; one with ``__post_init__`` is constructed."""
    file = CacheFile(saved.path, "scope", (Point, Checked, Problem))
    packed = file.pack([Point(1, 2), Checked(3), Problem("a.yaml", "bad", 3, "stage")])
    assert b"_BUILDERS" in packed and b"___Point" in packed and b"___Checked" not in packed
    built = pickling.unpack(packed)
    assert built == [Point(1, 2), Checked(3), Problem("a.yaml", "bad", 3, "stage")]
    assert type(built[0]) is Point and hash(built[0]) == hash(Point(1, 2))
    with pytest.raises(AttributeError):  # still frozen
        built[0].x = 5  # type: ignore[misc]
    assert "Checked(x)" in pickling.layout([Checked])  # no ":built": a class call


def test_a_process_that_never_packed_reads_records_by_builder(tmp_path: Path) -> None:
    """The builders a file names are made on first use in a reader that made none yet."""
    file = CacheFile(tmp_path / "records.pickle", "scope", (Problem,))
    assert file.save([Problem("a.yaml", "bad", 3, "stage")])
    script = (
        "import pickle, sys; from pathlib import Path; "
        "scope, value = pickle.loads(Path(sys.argv[1]).read_bytes()); print(value[0].line)"
    )
    found = subprocess.run(
        [sys.executable, "-c", script, str(file.path)], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "3"


def test_a_damaged_file_or_entry_reads_as_no_cache(saved: CacheFile) -> None:
    assert saved.path is not None
    saved.path.write_bytes(b"not a pickle")
    assert saved.load() is None
    assert pickling.unpack(b"\x80\x05truncated") is None


def test_an_exception_half_way_leaves_the_old_file_and_no_temp(
    saved: CacheFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert saved.path is not None

    def fail(*_args: object) -> None:  # the temp file is written, its rename fails
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "replace", fail)
    assert saved.save("new") is False  # a cache that cannot be written only costs speed
    monkeypatch.undo()
    assert saved.load() == "old"
    assert temps(saved.path.parent) == []


def test_an_interrupt_half_way_propagates_and_leaves_no_temp(
    saved: CacheFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert saved.path is not None

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        saved.save("new")
    monkeypatch.undo()
    assert saved.load() == "old"
    assert temps(saved.path.parent) == []


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pid checks are POSIX")
def test_a_save_killed_mid_write_leaves_the_old_cache_and_the_next_save_sweeps_its_temp(
    saved: CacheFile,
) -> None:
    assert saved.path is not None
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(saved.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "writing\n"  # the new bytes are in its temp file
        leftover = temps(saved.path.parent)
        assert len(leftover) == 1 and f".{writer.pid}." in leftover[0]
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL

    assert saved.load() == "old"  # the killed save never replaced it
    assert saved.save("newer")
    assert saved.load() == "newer"
    assert temps(saved.path.parent) == []  # the dead writer's temp was swept


def test_a_live_writers_temp_is_not_swept(saved: CacheFile) -> None:
    assert saved.path is not None
    live = saved.path.with_name(f".{saved.path.name}.{os.getpid()}.abcdefgh.tmp")
    live.write_bytes(b"being written")
    assert saved.save("new")
    assert live.read_bytes() == b"being written"


def test_a_write_fsyncs_the_new_bytes_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a crash must not lose: the file's data before it is visible, then the rename."""
    path = tmp_path / "deal.yaml"
    path.write_text("old\n", encoding="utf-8")
    seen: list[tuple[str, str]] = []
    real = os.fsync

    def spy(fd: int) -> None:
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        seen.append((kind, path.read_text(encoding="utf-8")))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    atomic_write(path, "new\n")
    assert seen == [("file", "old\n"), ("folder", "new\n")]


def test_a_cache_save_is_atomic_but_not_fsynced(
    saved: CacheFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache is derived: a power cut that empties one costs a recompute, not data."""
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    assert saved.save("new")
    assert synced == [] and saved.load() == "new"


def test_files_are_found_in_a_worktrees_git_directory(repo: Path, tmp_path: Path) -> None:
    git(repo, "commit", "--allow-empty", "-qm", "base")
    worktree = tmp_path / "second"
    git(repo, "worktree", "add", "-q", str(worktree))
    file = CacheFile.of(worktree, "x.pickle", classes=())
    assert file.path == (repo / ".git" / "worktrees" / "second" / "pipeline-tui" / "x.pickle")
    assert file.save([1, 2])
    assert CacheFile.of(worktree, "x.pickle", classes=()).load() == [1, 2]


def test_without_a_git_directory_there_is_no_cache(tmp_path: Path) -> None:
    file = CacheFile.of(tmp_path, "x.pickle", classes=())
    if file.path is not None:  # tmp_path itself sits inside some git repository
        pytest.skip("the temp folder is inside a git work tree")
    assert file.save("value") is False
    assert file.load() is None


def test_one_temp_and_rename_in_the_codebase() -> None:
    """Every atomic write goes through files.atomic_write (one path for the job)."""
    users = sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "mkstemp" in p.read_text(encoding="utf-8")
    )
    assert users == ["storage/files.py"]


def test_the_real_caches_survive_saves_that_fail(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parse, history and past-version caches: a failed save changes no answer, leaves no temp."""
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "qualified", at=day(1))
    pipeline = Store(repo).load()
    timelines = load_timelines(repo, pipeline=pipeline, now=day(9))
    past = pipeline_as_of(repo, day(0.5))
    cache_dir = repo / ".git" / "pipeline-tui"
    before = {p.name: p.read_bytes() for p in cache_dir.iterdir()}
    segment = f"{segment_of('acme'):02x}"
    assert set(before) == {
        "parse.pickle",
        f"parse-{segment_of(deal_rel(repo, 'acme').removeprefix('opportunities/')):02x}.pickle",
        "history.pickle",
        "history.lock",
        f"history-{segment}.pickle",
        f"history-stays-{segment}.pickle",
        "blobs.pickle",
    }
    new_deal(ws, "beta", day(2))  # every cache now has something new to save

    def fail(*_args: object, **_kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", fail)  # caches are not fsynced: fail the temp file
    pipeline = Store(repo).load()
    assert [r.id for r in pipeline.opportunities] == ["acme", "beta"]
    assert load_timelines(repo, pipeline=pipeline, now=day(9)).keys() == {"acme", "beta"}
    assert load_timelines(repo, pipeline=pipeline, now=day(9))["acme"] == timelines["acme"]
    assert pipeline_as_of(repo, day(2.5)).get("beta").stage == "lead"
    assert pipeline_as_of(repo, day(0.5)) == past
    assert {p.name: p.read_bytes() for p in cache_dir.iterdir()} == before


def test_a_save_of_many_segments_writes_one_pack_and_later_few_go_loose(tmp_path: Path) -> None:
    """A cold save makes one file, not 256; a small update then writes just its segments."""
    small = CacheFile(tmp_path / "pipeline-tui" / "t.pickle", "scope", ())
    written = cachefile.Segments(small, "t", tokens={})
    for index in range(cachefile.SEGMENTS):
        written.put(index, {f"key-{index}": index})
    tokens = written.save()
    folder = tmp_path / "pipeline-tui"
    assert tokens is not None and len(tokens) == cachefile.SEGMENTS
    assert sorted(p.name for p in folder.iterdir()) == ["t.pack"]

    written.put(7, {"key-7": "changed"})
    tokens = written.save()
    assert tokens is not None
    assert sorted(p.name for p in folder.iterdir()) == ["t-07.pickle", "t.pack"]

    read = cachefile.Segments(small, "t", tokens=tokens)
    assert read.get(7) == {"key-7": "changed"}  # the loose file wins over the pack
    assert read.get(8) == {"key-8": 8}  # from the pack
    (folder / "t-07.pickle").write_bytes(b"\x80junk")
    assert cachefile.Segments(small, "t", tokens=tokens).get(7) is None  # the pack's is older


def test_a_pack_and_loose_files_without_tokens_read_as_the_newest_readable(tmp_path: Path) -> None:
    """Entries that carry their own freshness keys (the parse cache): any readable part counts."""
    small = CacheFile(tmp_path / "pipeline-tui" / "t.pickle", "scope", ())
    written = cachefile.Segments(small, "t")
    for index in range(cachefile.PACK_AT):
        written.put(index, {"n": index})
    assert written.save() is not None
    written.put(3, {"n": "loose"})
    assert written.save() is not None
    read = cachefile.Segments(small, "t")
    assert [read.get(i) for i in (2, 3, cachefile.PACK_AT)] == [{"n": 2}, {"n": "loose"}, {}]
    (tmp_path / "pipeline-tui" / "t.pack").write_bytes(b"short")
    assert cachefile.Segments(small, "t").get(2) == {}  # a damaged pack reads as empty


def test_a_second_cold_build_waits_for_the_first_and_takes_what_it_saved(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builders of one history cache (a TUI opened twice): the second reads no history."""
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "qualified", at=day(1))
    _git_dir, prefix, head = log.locate(repo)
    file = history_cache.cache_file(repo, prefix)
    reading = read_history
    builders: list[str] = []

    def counted(*args: object, **kwargs: object) -> History:
        builders.append(threading.current_thread().name)
        return reading(*args, **kwargs)  # type: ignore[arg-type]

    looked = threading.Event()
    read = history_cache.read

    def watched(cache: CacheFile) -> history_cache.CacheState | None:
        found = read(cache)
        looked.set()  # the second builder found no cache: it goes for the lock next
        return found

    monkeypatch.setattr(history_cache, "read_history", counted)
    monkeypatch.setattr(history_cache, "read", watched)
    results: list[history_cache.CacheState] = []
    second = threading.Thread(
        target=lambda: results.append(history_cache.fresh(repo, None)), name="second"
    )
    with file.building():  # the first builder
        second.start()
        assert looked.wait(30)
        history_cache._write(file, history_cache.CacheState.build(reading(repo), file))
    second.join(60)

    assert not second.is_alive()
    assert builders == []
    assert [state.head for state in results] == [head]
    assert results[0].timelines["acme"].current is not None


def test_a_builder_that_never_lets_go_is_waited_for_only_so_long(tmp_path: Path) -> None:
    file = CacheFile(tmp_path / "pipeline-tui" / "t.pickle", "scope", ())
    with file.building(), file.building(patience_s=0.2):
        assert file.save("built anyway")
    assert file.load() == "built anyway"
