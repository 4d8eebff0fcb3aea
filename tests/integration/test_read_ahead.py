"""A reader forked ahead of a load (``Store.read_ahead``, the board's head start).

``pipeline tui`` forks the cold load's second reader before Textual starts
(later its process has threads and may not fork); the board's load, in a
worker thread, takes the child's results over.  It must give exactly what a
load alone gives, and never a result for a file or a config changed since
the fork.
"""

from __future__ import annotations

import os
import select
import threading
import time
from pathlib import Path

import pytest

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Pipeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage import beside, filecheck, readers, store
from pipeline_tui.storage.store import Store
from pipeline_tui.tui.head_start import READ_AHEAD_SHARE, head_start
from tests.hostile_files import put
from tests.integration.test_fast_validate import CORPUS, corpus_repo, loaded

DEALS = 40


@pytest.fixture
def pipeline(repo: Path) -> Path:
    """The fast-validate corpus (good and broken files) plus 40 plain deals, no parse cache.

    Written a minute ago, so a parse cache holds them (a file changed within
    its last two seconds is read again).
    """
    corpus_repo(repo)
    for number in range(DEALS):
        name = f"deal-{number:03}"
        put(repo, name, CORPUS["plain-shape"].replace("plain-shape", name), commit=False)
    for path in (repo / "opportunities").rglob("*.yaml"):  # older than the parse cache's
        os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))  # racy window
    return repo


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The job counts of every forked reader; forking allowed from two files."""
    counts: list[int] = []
    real = beside.Beside.__init__

    def counted(self: beside.Beside, *args: object) -> None:
        counts.append(len(args[0]))  # type: ignore[arg-type]
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(beside.Beside, "__init__", counted)
    monkeypatch.setattr(store, "may_fork", lambda files: files >= 2)
    monkeypatch.setattr(store, "FORK_FROM", 2)  # a reader forked ahead reads from two files
    return counts


def alone(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Pipeline, dict[str, str]]:
    """A cold load in this one process, leaving no parse cache behind."""
    with monkeypatch.context() as patched:
        patched.setattr(store, "may_fork", lambda _files: False)
        result = loaded(repo)
    for path in (repo / ".git" / "pipeline-tui").glob("*"):
        path.unlink()
    return result


def parent_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files this process reads itself from now on (a forked child's reads stay its own)."""
    reads: list[str] = []
    real = filecheck.read_checked

    def counted(file: str | Path, rel: str, config: PipelineConfig) -> filecheck.Checked:
        reads.append(rel)
        return real(file, rel, config)

    monkeypatch.setattr(store, "read_checked", counted)
    return reads


def child_done(repo: Path) -> None:
    """Wait until the reader forked ahead has read its files (its results are in the pipe)."""
    readable, _, _ = select.select([readers.AHEAD[repo].beside._reader], [], [], 60)
    assert readable, "the forked reader sent nothing in a minute"


def no_fork_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the board's worker thread: this process may not fork any more."""
    monkeypatch.setattr(store, "may_fork", lambda _files: False)


def test_a_load_takes_over_the_reader_forked_ahead(
    pipeline: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = alone(pipeline, monkeypatch)
    files = len(CORPUS) + DEALS
    ahead = Store(pipeline)

    assert ahead.read_ahead(0.75)
    no_fork_now(monkeypatch)
    reads = parent_reads(monkeypatch)

    assert ahead.load_with_json() == expected
    assert forks == [1]  # one child, forked ahead, with one job: walk and read its share
    assert len(reads) == files - int(files * 0.75)  # this process read only the rest
    assert Store(pipeline).load_with_json() == expected  # the child's files are in the cache too
    assert pipeline not in readers.AHEAD


def test_a_file_changed_after_the_fork_is_read_again(
    pipeline: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = Store(pipeline)
    assert ahead.read_ahead(0.5)
    child_done(pipeline)
    last = sorted((pipeline / "opportunities").rglob("deal-*.yaml"))[-1]  # in the child's half
    text = last.read_text().replace("amount: 42000", "amount: 99")
    last.write_text(text + "# edited while the board started\n")
    os.utime(last, (last.stat().st_atime, last.stat().st_mtime - 30))  # not racy either
    no_fork_now(monkeypatch)
    reads = parent_reads(monkeypatch)

    pipe, texts = ahead.load_with_json()

    changed = next(r for r in pipe.opportunities if r.path.endswith(last.name))
    assert changed.amount == 99
    assert f"opportunities/{last.relative_to(pipeline / 'opportunities')}" in reads
    assert (pipe, texts) == alone(pipeline, monkeypatch)


def test_a_config_changed_after_the_fork_voids_the_reader(
    pipeline: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = Store(pipeline)
    assert ahead.read_ahead(0.5)
    child = readers.AHEAD[pipeline].beside._pid
    child_done(pipeline)
    config = pipeline / "pipeline.yaml"  # changed after the child read it
    config.write_text(config.read_text().replace("currency: USD", "currency: EUR"))
    no_fork_now(monkeypatch)
    reads = parent_reads(monkeypatch)

    result = ahead.load_with_json()

    assert len(reads) == len(CORPUS) + DEALS  # every file read again, against the new config
    assert result == alone(pipeline, monkeypatch)
    with pytest.raises(ChildProcessError):  # the unused child was stopped and reaped
        os.waitpid(child, os.WNOHANG)


def test_nothing_is_forked_ahead_of_a_warm_load_or_beside_a_thread(
    pipeline: Path, forks: list[int]
) -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(store, "may_fork", beside.may_fork)  # the real rule: one thread only
            patched.setattr(beside, "FORK_FROM", 2)
            assert not Store(pipeline).read_ahead()
    finally:
        release.set()
        other.join()
    Store(pipeline).load()  # the parse cache now holds every file
    forks.clear()

    assert not Store(pipeline).read_ahead()
    assert forks == [] and pipeline not in readers.AHEAD


def test_the_boards_head_start_forks_the_reader_its_load_takes(
    pipeline: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = alone(pipeline, monkeypatch)
    workspace = Workspace(pipeline)
    monkeypatch.setattr(store, "may_fork", lambda files: files >= 2)

    head_start(workspace)
    head_start(workspace)  # the app calls it again: nothing more is started

    assert forks == [1]
    no_fork_now(monkeypatch)
    reads = parent_reads(monkeypatch)
    assert workspace.store.load_with_json() == expected
    files = len(CORPUS) + DEALS
    assert len(reads) == files - int(files * READ_AHEAD_SHARE)


def test_the_childs_files_count_as_read_when_it_was_forked(
    pipeline: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse cache's two-second rule for a file changed just before its read.

    The child read its files after the fork, not when the load took them
    over (seconds later in the board): an entry dated at the take-over could
    serve a file rewritten within its timestamp's tick as settled.
    """
    ahead = Store(pipeline)
    assert ahead.read_ahead(0.5)
    forked = time.time_ns()
    child_done(pipeline)
    no_fork_now(monkeypatch)
    ahead.load_with_json()

    last = sorted((pipeline / "opportunities").rglob("deal-*.yaml"))[-1]  # the child's
    name = str(last.relative_to(pipeline / "opportunities"))
    entry = ahead.parse_cache.files.entry(name)
    assert entry is not None and entry[1] <= forked
    first = sorted((pipeline / "opportunities").rglob("deal-*.yaml"))[0]  # read here
    own = ahead.parse_cache.files.entry(str(first.relative_to(pipeline / "opportunities")))
    assert own is not None and own[1] > forked


def test_a_reader_whose_load_never_came_is_stopped_at_exit(
    pipeline: Path, forks: list[int]
) -> None:
    assert Store(pipeline).read_ahead()
    child = readers.AHEAD[pipeline].beside._pid

    readers.stop_readers()  # what the interpreter's exit runs

    assert pipeline not in readers.AHEAD
    with pytest.raises(ChildProcessError):  # stopped and reaped: no zombie
        os.waitpid(child, os.WNOHANG)
