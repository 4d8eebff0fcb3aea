"""Reading the log: ``log.log(..., at_top=True)`` lists exactly what ``git log -- paths`` lists.

At the top of a work tree the newest commits are read without the pathspec
(cheaper for git) and filtered in Python, down to the first merge or root
commit; these histories hold what that must get right: commits touching only
other files, a file whose name starts like a watched folder, a merge that
changed something, a merge git's simplification prunes a whole side branch
through (its tree equals one parent's), a revert, incremental reads from
every commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.demo.build import materialize, sample_dir
from pipeline_tui.git import log
from pipeline_tui.history import reader
from pipeline_tui.history.reader import LOG_PATHS, read_history, resolve_changes
from tests.history_helpers import T0, git


class _Repo:
    """A repository with backdated commits, one per call."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.name", "Ann")
        git(root, "config", "user.email", "ann@example.com")

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def deal(self, rel: str, stage: str, amount: int) -> None:
        opp_id = Path(rel).stem
        self.write(
            f"opportunities/{rel}.yaml",
            f"id: {opp_id}\ntitle: Deal {opp_id}\nstage: {stage}\namount: {amount}\n",
        )

    def commit(self, message: str) -> None:
        self.count += 1
        git(self.root, "add", "-A")
        at = T0 + timedelta(hours=self.count)
        git(self.root, "commit", "-q", "--allow-empty", "-m", message, at=at)

    def merge(self, branch: str, message: str) -> None:
        self.count += 1
        at = T0 + timedelta(hours=self.count)
        git(self.root, "merge", "-q", "--no-ff", "--no-edit", "-m", message, branch, at=at)


def _tricky(root: Path) -> _Repo:
    repo = _Repo(root)
    repo.write("README", "hello\n")
    repo.commit("root commit: no pipeline file")
    repo.write("pipeline.yaml", "stages: [lead, won]\n")
    repo.commit("config")
    repo.deal("00/deal-a", "lead", 10)
    repo.write("opportunities.txt", "not the folder\n")
    repo.commit("a created, and a file named like the folder")
    repo.deal("01/deal-b", "lead", 20)
    repo.write("opportunities/notes.txt", "not a deal\n")
    repo.commit("b created")
    repo.write("README", "hello again\n")
    repo.commit("readme only")
    git(root, "checkout", "-q", "-b", "side")
    repo.deal("00/deal-a", "won", 10)
    repo.commit("a won on a branch")
    git(root, "checkout", "-q", "main")
    repo.deal("01/deal-b", "won", 20)
    repo.commit("b won")
    repo.merge("side", "merge side: changes from both")
    git(root, "checkout", "-q", "-b", "back-and-forth")
    repo.deal("01/deal-b", "lead", 30)
    repo.commit("b changed on a branch")
    repo.deal("01/deal-b", "won", 20)
    repo.commit("b changed back")
    git(root, "checkout", "-q", "main")
    repo.write("README", "third\n")
    repo.commit("readme on main")
    repo.merge("back-and-forth", "merge: the branch left no trace, git prunes it")
    repo.deal("02/deal-c", "lead", 5)
    repo.commit("c created")
    git(root, "rm", "-q", "opportunities/00/deal-a.yaml")
    repo.commit("a deleted")
    repo.write("README", "fourth\n")
    repo.commit("readme after")
    repo.deal("01/deal-b", "lead", 40)
    repo.commit("b back to lead")
    git(root, "revert", "--no-edit", "HEAD", at=T0 + timedelta(hours=99))
    repo.write("pipeline.yaml", "stages: [lead, proposal, won]\n")
    repo.deal("02/deal-c", "won", 5)
    repo.commit("c won, config changed")
    return repo


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tricky(tmp_path_factory.mktemp("log") / "repo").root


def _commits(root: Path, revisions: list[str], at_top: bool) -> list[log.Commit]:
    return list(log.log(root, revisions, LOG_PATHS, at_top=at_top))


def test_the_top_route_lists_what_the_pathspec_lists(tricky: Path) -> None:
    head = git(tricky, "rev-parse", "HEAD")
    plain = _commits(tricky, [head], at_top=False)
    assert _commits(tricky, [head], at_top=True) == plain
    shown = {c.sha for c in plain}
    pruned = git(tricky, "rev-parse", "back-and-forth").splitlines()
    assert not shown & set(pruned)  # git's simplification dropped that side: so must we
    assert all(not c.path.startswith("README") for commit in plain for c in commit.changes)


def test_every_incremental_read_is_the_same_on_both_routes(tricky: Path) -> None:
    head = git(tricky, "rev-parse", "HEAD")
    for since in git(tricky, "rev-list", "--all").splitlines():
        revisions = [head, f"^{since}"]
        assert _commits(tricky, revisions, at_top=True) == _commits(
            tricky, revisions, at_top=False
        ), since


def test_a_linear_history_is_read_without_the_pathspec_down_to_its_root(tmp_path: Path) -> None:
    repo = _Repo(tmp_path / "linear")
    repo.deal("00/deal-a", "lead", 1)
    repo.write("README", "first\n")
    repo.commit("root commit with a deal")
    for amount in range(2, 6):
        repo.deal("00/deal-a", "lead", amount)
        repo.commit(f"amount {amount}")
        repo.write("README", f"{amount}\n")
        repo.commit("readme only")
        repo.commit("empty: nothing changed")  # git log -- paths never lists it
    head = git(repo.root, "rev-parse", "HEAD")
    top = _commits(repo.root, [head], at_top=True)
    assert top == _commits(repo.root, [head], at_top=False)
    assert len(top) == 5
    assert top[-1].changes[0].path == "opportunities/00/deal-a.yaml"  # the root's own files


def test_the_reader_gives_the_same_history_on_both_routes(
    tricky: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top_route = read_history(tricky)
    assert set(top_route.events) == {"deal-a", "deal-b", "deal-c"}
    plain = log.log

    def pathspec_only(
        root: Path, revisions: Sequence[str], paths: Sequence[str], *, at_top: bool = False
    ) -> Iterator[log.Commit]:
        assert at_top  # the reader asked for the top route ...
        return plain(root, revisions, paths)  # ... and gets git's own

    monkeypatch.setattr(log, "log", pathspec_only)
    assert read_history(tricky) == top_route


def test_versions_dropped_long_ago_are_read_again_from_git(
    tricky: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file brought back to an earlier content needs that version again."""
    kept_aside = read_history(tricky)
    monkeypatch.setattr(reader, "_RECENT", 0)  # nothing kept aside: git is asked again
    asked: list[list[str]] = []
    plain_read = log.BlobReader.read

    def read(self: log.BlobReader, shas: Sequence[str]) -> list[bytes | None]:
        asked.append(list(shas))
        return plain_read(self, shas)

    monkeypatch.setattr(log.BlobReader, "read", read)
    assert read_history(tricky) == kept_aside
    assert asked  # the revert and the change back each brought a version back


def test_a_file_given_another_deals_content_is_a_deletion_and_a_creation(tmp_path: Path) -> None:
    """One file changed in a commit, but it names another deal now: two events, by id."""
    repo = _Repo(tmp_path / "swap")
    repo.deal("00/deal-a", "lead", 1)
    repo.commit("a created")
    repo.write("opportunities/00/deal-a.yaml", "id: deal-z\ntitle: Z\nstage: won\namount: 2\n")
    repo.commit("the file now holds deal-z")
    repo.write("opportunities/00/deal-a.yaml", "title: no id\nstage: lead\namount: 3\n")
    repo.commit("and then no id at all: the file name is the id")

    events = read_history(repo.root).events

    assert sorted(events) == ["deal-a", "deal-z"]
    created, deleted, back = events["deal-a"]
    assert created.created and created.stage == "lead"
    assert deleted.deleted and deleted.path == "opportunities/00/deal-a.yaml"
    assert back.created and back.stage == "lead" and not back.changes
    made, gone = events["deal-z"]
    assert made.created and made.stage == "won"
    assert gone.deleted


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("deal"), st.integers(0, 3), st.sampled_from(["lead", "won"])),
        st.tuples(st.just("other"), st.just(0), st.just("")),
        st.tuples(st.just("side"), st.integers(0, 3), st.sampled_from(["lead", "won", "back"])),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.long
@settings(max_examples=12, deadline=None)
@given(steps=_STEPS)
def test_generated_histories_read_alike_on_both_routes(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int, str]]
) -> None:
    """Deals changed on main and on branches merged back (some leaving no trace), other files."""
    repo = _Repo(tmp_path_factory.mktemp("generated") / "repo")
    repo.write("README", "start\n")
    repo.commit("root")
    for number, (kind, deal, stage) in enumerate(steps):
        rel = f"0{deal}/deal-{deal}"
        if kind == "deal":
            repo.deal(rel, stage, number)
            repo.commit(f"deal {deal}: {stage}")
        elif kind == "other":
            repo.write("README", f"{number}\n")
            repo.commit("readme only")
        else:
            git(repo.root, "checkout", "-q", "-b", f"side-{number}")
            repo.deal(rel, "lead" if stage == "back" else stage, 1000 + number)
            repo.commit("on a branch")
            if stage == "back":  # the branch ends where it began: git prunes it
                git(repo.root, "read-tree", "-u", "--reset", "HEAD~1")
                repo.commit("back as it was")
            git(repo.root, "checkout", "-q", "main")
            repo.write("README", f"main {number}\n")
            repo.commit("meanwhile on main")
            repo.merge(f"side-{number}", "merge")
    head = git(repo.root, "rev-parse", "HEAD")
    for since in [None, *git(repo.root, "rev-list", "--all").splitlines()]:
        revisions = [head] if since is None else [head, f"^{since}"]
        assert _commits(repo.root, revisions, at_top=True) == _commits(
            repo.root, revisions, at_top=False
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's history: activities, next steps, amounts, close dates, undos, deletions."""
    return materialize(sample_dir(), tmp_path_factory.mktemp("demo") / "pipeline")


@pytest.mark.parametrize("which", ["tricky", "demo"])
def test_field_changes_left_for_later_are_the_ones_a_plain_read_gives(
    which: str, request: pytest.FixtureRequest
) -> None:
    """A cold build hands the stays over first and computes field changes after."""
    root: Path = request.getfixturevalue(which)
    plain = read_history(root)
    deferred = read_history(root, defer=True)
    assert deferred.unresolved  # ordinary commits' changes were left for later ...
    assert any(e.changes for events in plain.events.values() for e in events)
    resolve_changes(deferred)
    assert deferred == plain  # ... and come out the same, event by event, in the same order
    assert not deferred.unresolved
