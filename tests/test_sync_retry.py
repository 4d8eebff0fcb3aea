"""The retry schedule of ``pipeline sync``: jittered exponential backoff within a time budget."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.core.errors import ExitCode, SyncError
from pipeline_tui.sync.exchange import sync
from pipeline_tui.sync.retry import Backoff, Patience, Waiting, delay, next_delay
from tests.teammates import DEAL, Mate, founder, git, join, make_remote, problems_of


def test_ceiling_doubles_from_the_attempt_length_up_to_the_longest_wait() -> None:
    backoff = Backoff(first=0.1, factor=2.0, longest=8.0)
    assert [delay(backoff, n, 1.0) for n in range(8)] == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 8.0]
    assert [delay(backoff, n, 1.0, took=1.5) for n in range(4)] == [1.5, 3.0, 6.0, 8.0]
    assert delay(backoff, 0, 1.0, took=0.01) == 0.1  # never shorter than ``first``
    assert delay(backoff, 10_000, 1.0) == 8.0  # no overflow for absurd retry counts


def test_the_draw_spreads_waits_below_the_ceiling() -> None:
    backoff = Backoff(first=1.0, factor=2.0, longest=8.0)
    assert delay(backoff, 2, 0.0) == 0.0
    assert delay(backoff, 2, 0.25) == 1.0
    assert delay(backoff, 2, 0.5) == 2.0
    assert delay(backoff, 2, 7.0) == 4.0 and delay(backoff, 2, -1.0) == 0.0  # clamped


def test_no_wait_runs_past_the_budget() -> None:
    backoff = Backoff(first=1.0, factor=2.0, longest=8.0)
    assert next_delay(backoff, 3, elapsed=10.0, budget=60.0, draw=0.5) == 4.0
    assert next_delay(backoff, 3, elapsed=58.5, budget=60.0, draw=0.5) == 1.5
    assert next_delay(backoff, 3, elapsed=60.0, budget=60.0, draw=0.5) is None
    assert next_delay(backoff, 0, elapsed=0.0, budget=0.0, draw=0.5) is None  # --timeout 0


def test_invalid_backoffs_are_refused() -> None:
    for first, factor, longest in ((0.0, 2.0, 1.0), (0.1, 0.5, 1.0), (2.0, 2.0, 1.0)):
        with pytest.raises(ValueError):
            Backoff(first, factor, longest)


class FakeTime:
    """A clock that moves only when slept on (or when an attempt is said to take time)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_patience_waits_then_gives_up_when_the_budget_is_spent() -> None:
    fake = FakeTime()
    heard: list[Waiting] = []
    patience = Patience(
        budget=9.0,
        backoff=Backoff(first=1.0, factor=2.0, longest=4.0),
        clock=fake.clock,
        sleep=fake.sleep,
        draw=lambda: 0.5,
        on_wait=heard.append,
    )
    patience.start()
    outcomes = []
    while True:
        fake.now += 1.0  # every attempt takes a second
        if not patience.wait("origin moved"):
            break
        outcomes.append(patience.attempts)
    # attempts of 1 s: ceilings 1, 2, 4, 4 (capped), halved by the draw; the budget cuts the last
    assert fake.slept == [0.5, 1.0, 2.0, 1.5]
    assert patience.attempts == 5 and outcomes == [2, 3, 4, 5]
    assert patience.waited == pytest.approx(5.0)
    assert [(w.attempt, w.seconds, w.left) for w in heard[:2]] == [(1, 0.5, 8.0), (2, 1.0, 6.5)]
    assert heard[0].describe() == "origin moved; trying again in 0.5 s (attempt 2, 8 s left)"


def test_patience_measures_the_attempt_not_the_wait() -> None:
    fake = FakeTime()
    patience = Patience(
        budget=60.0, backoff=Backoff(0.1, 2.0, 8.0), clock=fake.clock, sleep=fake.sleep,
        draw=lambda: 1.0,
    )  # fmt: skip
    patience.start()
    fake.now += 3.0  # a slow first attempt: the wait scales with it
    assert patience.wait("busy") and fake.slept == [3.0]
    fake.now += 0.2  # a quick second one: the unit is 0.2 s, doubled once
    assert patience.wait("busy") and fake.slept == pytest.approx([3.0, 0.4])


# --------------------------------------------------------------------------- in a real sync


def racing_hook(mate: Mate, rival: Mate, always: bool) -> Path:
    """A pre-push hook in ``mate``'s clone: ``rival`` commits and pushes first (once or always)."""
    marker = mate.root.parent / f"{mate.name}-raced"
    hook = mate.root / ".git" / "hooks" / "pre-push"
    once = "" if always else f"[ -e '{marker}' ] && exit 0; "
    hook.write_text(
        "#!/bin/sh\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f"{once}touch '{marker}'\n"
        f"git -C '{rival.root}' commit --quiet --allow-empty -m 'rival work'\n"
        f"git -C '{rival.root}' push --quiet origin main\n",
        "utf-8",
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    return marker


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Mate, Mate]:
    remote = str(make_remote(tmp_path))
    return founder(tmp_path, remote), join(tmp_path, remote, "Bob")


def test_a_lost_race_is_told_and_work_committed_while_waiting_is_sent(
    pair: tuple[Mate, Mate],
) -> None:
    alice, bob = pair
    alice.ws.set_fields(DEAL, {"amount": 130000})
    racing_hook(alice, bob, always=False)
    fake = FakeTime()
    heard: list[Waiting] = []

    def on_wait(waiting: Waiting) -> None:
        heard.append(waiting)
        alice.ws.set_fields(DEAL, {"amount": 150000})  # the lock is free while sync waits

    patience = Patience(60.0, clock=fake.clock, sleep=fake.sleep, draw=lambda: 0.5, on_wait=on_wait)
    result = sync(alice.root, patience=patience)
    assert result.pushed and result.attempts == 2 and result.sent == 2 and result.received == 1
    assert result.waited_seconds == fake.slept[0] > 0
    assert [w.reason for w in heard] == ["origin moved while syncing (a teammate pushed first)"]
    assert result.to_json()["waited_seconds"] == round(fake.slept[0], 3)
    bob.sync()
    assert bob.field("amount") == 150000
    assert len(git(bob.root, "log", "--format=%s", "-3").splitlines()) == 3
    assert problems_of(alice) == problems_of(bob) == []


def test_a_remote_that_never_settles_stops_when_the_budget_is_spent(
    pair: tuple[Mate, Mate],
) -> None:
    alice, bob = pair
    alice.ws.set_fields(DEAL, {"amount": 130000})
    racing_hook(alice, bob, always=True)
    head = git(alice.root, "rev-parse", "HEAD")
    fake = FakeTime()
    patience = Patience(
        1.0, Backoff(0.2, 2.0, 8.0), clock=fake.clock, sleep=fake.sleep, draw=lambda: 1.0
    )
    with pytest.raises(SyncError) as caught:
        sync(alice.root, patience=patience)
    assert caught.value.reason == "busy" and "--timeout" in str(caught.value)
    assert fake.slept == pytest.approx([0.2, 0.4, 0.4])  # the last wait ends with the budget
    assert "(4 attempts)" in str(caught.value)
    assert git(alice.root, "log", "-1", "--format=%s") == git(
        alice.root, "log", "-1", "--format=%s", head
    )  # the local commit is intact, replayed onto the rival's work
    assert not (alice.root / ".git" / "rebase-merge").exists()


def test_cli_timeout_zero_gives_up_after_one_lost_race(pair: tuple[Mate, Mate]) -> None:
    alice, bob = pair
    alice.ws.set_fields(DEAL, {"amount": 130000})
    racing_hook(alice, bob, always=True)
    result = CliRunner().invoke(
        cli, ["--repo", str(alice.root), "sync", "--json", "--timeout", "0"], catch_exceptions=False
    )
    assert result.exit_code == ExitCode.REPO
    assert json.loads(result.stdout)["error"] == "busy"
    assert "trying again" not in result.stderr  # not a terminal: no chatter
    bad = CliRunner().invoke(cli, ["--repo", str(alice.root), "sync", "--timeout", "-1"])
    assert bad.exit_code == 2


def test_cli_json_reports_attempts_and_waiting(pair: tuple[Mate, Mate]) -> None:
    _, bob = pair
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    result = CliRunner().invoke(
        cli, ["--repo", str(bob.root), "sync", "--json"], catch_exceptions=False
    )
    data = json.loads(result.stdout)
    assert data["attempts"] == 1 and data["waited_seconds"] == 0 and data["pushed"]
