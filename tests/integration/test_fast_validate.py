"""The fast work-tree read gives the full checks' answers, in one process or two.

The fast path of a load is: the line reader or libyaml (``load_fast``), the
compiled schema check, one JSON view whose encoding is also the finiteness
check, libyaml's marks for line numbers, and, for thousands of files, a
forked child reading part of them.  The full checks are ruamel's pure-Python
loader, ``jsonschema`` on every file and ruamel's round-trip lines.  On a
corpus of good and bad files both must give the same records and the same
problems (file, line, field, message, severity).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pipeline_tui.core import validation
from pipeline_tui.core.model import Pipeline
from pipeline_tui.storage import beside, filecheck, store
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml import read
from pipeline_tui.yaml.fast import NeedsSlowPath
from pipeline_tui.yaml.read import roundtrip_locator
from tests.hostile_files import GOOD, alias_bomb, deep_nesting, put

HEAD = "title: T\naccount: A\nstage: lead\ncreated: 2026-09-01T10:00:00+00:00\n"

#: name -> text: files of the tool's own shape, hand-written ones, and broken ones.
CORPUS = {
    "good-one": GOOD,
    "plain-shape": (
        "id: plain-shape\ntitle: Deal 30 for Umbrella 30\naccount: Umbrella 30\nstage: lead\n"
        "amount: 42000\ncurrency: USD\nowner: alice\nsource: referral\n"
        "created: 2026-08-10T19:53:28+00:00\nexpected_close: 2026-11-18\n"
        "next_step: {due: 2026-11-25, action: Send revised quote}\n"
        "contact: {name: Pat 0030, email: pat@deal.example}\n"
        "profile: {industry: logistics, size: 50-200}\ntags: [b2b, 'x, y']\n"
        "activities:\n  - {at: 2026-09-04T11:25:01+00:00, kind: meeting, by: alice, note: deck}\n"
    ),
    "commented": "id: commented  # the slug\n" + HEAD + "notes: |\n  Free text.\n",
    "block-style": "id: block-style\n" + HEAD + "next_step:\n  due: 2026-13-01\n  action: x\n",
    "bad-stage": "id: bad-stage\ntitle: T\naccount: A\nstage: nowhere\ncreated: 2026-09-01\n",
    "bad-currency": "id: bad-currency\n" + HEAD + "currency: euro\namount: -5\n",
    "missing": "id: missing\ntitle: T\n",
    "wrong-name": "id: another-id\n" + HEAD,
    "stranger": "id: stranger\n" + HEAD + "owner: nobody-we-know\n",
    "other-currency": "id: other-currency\n" + HEAD + "amount: 5\ncurrency: RMB\n",
    "infinite": "id: infinite\n" + HEAD + "amount: .inf\nprofile: {score: .nan}\n",
    "binary": "id: binary\n" + HEAD + "blob: !!binary aGk=\n",
    "bad-kind": "id: bad-kind\n" + HEAD + "activities:\n  - {at: 2026-09-02, kind: fax}\n",
    "lost-no-reason": "id: lost-no-reason\n" + HEAD.replace("stage: lead", "stage: lost"),
    "conflict": "id: conflict\n" + HEAD + "<<<<<<< a\namount: 1\n=======\namount: 2\n>>>>>>> b\n",
    "duplicate": "id: duplicate\n" + HEAD + "amount: 1\namount: 2\n",
    "tabs": "id: tabs\n" + HEAD + "amount:\t5\n",
    "not-a-mapping": "- just\n- a list\n",
    "syntax": "id: syntax\n" + HEAD + "contact: {name: [unclosed\n",
    "bomb": alias_bomb(),
    "deep": deep_nesting(),
}


def corpus_repo(repo: Path) -> Path:
    for name, text in CORPUS.items():
        put(repo, name, text, commit=False)
    return repo


def full_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every load from now on uses the slow, complete readers and checks."""

    def slow(_text: str | bytes) -> object:
        raise NeedsSlowPath("the full checks")

    monkeypatch.setattr(read, "load_fast", slow)
    monkeypatch.setattr(validation, "passes", lambda _name, _instance: False)
    monkeypatch.setattr(filecheck, "line_locator", roundtrip_locator)


def loaded(repo: Path) -> tuple[Pipeline, dict[str, str]]:
    """A cold load (no parse cache), as a first command after a clone does."""
    cache = repo / ".git" / "pipeline-tui"
    for path in cache.glob("*") if cache.is_dir() else ():
        path.unlink()
    return Store(repo).load_with_json()


def test_the_fast_path_and_the_full_checks_give_the_same_records_and_problems(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus_repo(repo)
    fast, fast_json = loaded(repo)
    with monkeypatch.context() as patched:
        full_checks(patched)
        full, full_json = loaded(repo)

    assert fast == full
    assert fast_json == full_json
    assert {r.id for r in fast.opportunities} == {
        "good-one", "plain-shape", "commented", "stranger", "other-currency"
    }  # fmt: skip
    problem_files = {p.path.removeprefix("opportunities/").removesuffix(".yaml")
                     for p in fast.problems}  # fmt: skip
    assert problem_files == set(CORPUS) - {"good-one", "plain-shape", "commented"}
    assert all(p.line is not None for p in fast.problems if "binary" in p.path)


def test_a_load_read_in_two_processes_equals_one_read_in_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus_repo(repo)
    for number in range(40):
        name = f"deal-{number:03}"
        put(repo, name, CORPUS["plain-shape"].replace("plain-shape", name), commit=False)
    monkeypatch.setattr(store, "may_fork", lambda _files: False)
    alone = loaded(repo)
    forks: list[int] = []
    real = beside.Beside.__init__

    def counted(self: beside.Beside, *args: object) -> None:
        forks.append(len(args[0]))  # type: ignore[arg-type]
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(beside.Beside, "__init__", counted)
    monkeypatch.setattr(store, "may_fork", lambda files: files >= 2)

    assert loaded(repo) == alone
    assert forks == [int((len(CORPUS) + 40) * beside.CHILD_SHARE)]  # the child read its share
    warm = Store(repo).load_with_json()  # the parent kept the child's files in the cache too
    assert warm == alone


def test_a_failed_child_costs_time_not_results(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus_repo(repo)
    monkeypatch.setattr(store, "may_fork", lambda _files: False)
    alone = loaded(repo)

    def broken(_fd: int, _data: bytes) -> None:
        raise OSError("the pipe broke")

    monkeypatch.setattr(beside, "_send", broken)
    monkeypatch.setattr(store, "may_fork", lambda files: files >= 2)

    assert loaded(repo) == alone


def test_forking_needs_thousands_of_files_two_cores_and_a_single_thread() -> None:
    assert not beside.may_fork(beside.FORK_FROM - 1)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not beside.may_fork(10 * beside.FORK_FROM)
    finally:
        release.set()
        other.join()


def test_an_abandoned_load_stops_its_child(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus_repo(repo)
    children: list[int] = []
    real = beside.Beside.__init__

    def kept(self: beside.Beside, *args: object) -> None:
        real(self, *args)  # type: ignore[arg-type]
        children.append(self._pid)

    monkeypatch.setattr(beside.Beside, "__init__", kept)
    monkeypatch.setattr(store, "may_fork", lambda files: files >= 2)

    def give_up(_records: object, done: int, _total: int) -> None:
        raise KeyboardInterrupt  # the user pressed Ctrl-C during the first file

    with pytest.raises(KeyboardInterrupt):
        Store(repo).load(progress=give_up)
    assert len(children) == 1 and children[0] > 0
    with pytest.raises(ChildProcessError):  # stopped and reaped: no zombie left behind
        os.waitpid(children[0], os.WNOHANG)
