"""A small, dated pipeline (with Chinese content) and helpers to drive the real app."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.tui.app import PipelineApp
from pipeline_tui.tui.board.screen import BoardScreen
from pipeline_tui.tui.board.state import BoardState, Progress

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIZE = (100, 30)  # big enough for every form; small enough to render fast


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T09:00:00+00:00")


def fixed_now() -> datetime:
    return NOW


@dataclass(frozen=True)
class Story:
    """One deal's life in a fixture pipeline: created, moved, maybe closed (days at 09:00 UTC)."""

    opp_id: str
    title: str
    account: str
    created: str
    fields: dict[str, Any]
    moves: tuple[tuple[str, str], ...] = ()
    closed: tuple[str, str, str] | None = None  # outcome, reason, day


def tell(repo: Path, stories: Sequence[Story]) -> Path:
    """Write ``stories`` through the real workspace, one commit per step, in order."""
    ws = Workspace(repo)
    for story in stories:
        ws.create(
            story.title, story.account, story.fields, opp_id=story.opp_id, at=at(story.created)
        )
        for stage, day in story.moves:
            ws.move(story.opp_id, stage, at=at(day))
        if story.closed is not None:
            outcome, reason, day = story.closed
            ws.close(story.opp_id, outcome, reason, at=at(day))
    return repo


@contextmanager
def git_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A pinned git identity for session fixtures, which run before the per-test pinning."""
    home = tmp_path_factory.mktemp("template-home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.setenv("HOME", str(home))
        yield


#: Six deals across every stage; dates fixed so every run paints the same board.
DEALS = (
    Story(
        "acme-rollout",
        "ACME rollout",
        "ACME Corp",
        "2026-10-01",
        {
            "amount": 120000,
            "owner": "alice",
            "source": "referral",
            "tags": ["b2b"],
            "next_step": {"due": date(2026, 11, 1), "action": "Send quote"},
        },
    ),
    Story(
        "globex-pilot",
        "Globex pilot",
        "Globex",
        "2026-11-10",
        {"amount": 40000, "owner": "bob", "source": "website"},
    ),
    Story(
        "huawei-crm",
        "华为 CRM 项目",
        "华为技术",
        "2026-09-15",
        {
            "amount": 300000,
            "owner": "王芳",
            "source": "event",
            "contact": {"name": "李雷", "email": "li@huawei.example"},
            "expected_close": date(2027, 1, 31),
            "notes": "客户希望年底前上线。",
        },
        moves=(("qualified", "2026-09-20"),),
    ),
    Story(
        "initech-renewal",
        "Initech renewal",
        "Initech",
        "2026-08-01",
        {
            "amount": 80000,
            "owner": "alice",
            "source": "partner",
            "tags": ["renewal"],
            "expected_close": date(2026, 12, 15),
            "contact": {"email": "bill@initech.example"},
            "region": "EMEA",
        },
        moves=(("qualified", "2026-08-10"), ("proposal", "2026-09-01")),
    ),
    Story(
        "umbrella-deal",
        "Umbrella deal",
        "Umbrella",
        "2026-07-01",
        {"amount": 50000, "owner": "bob", "source": "outbound"},
        closed=("won", "fastest rollout", "2026-10-15"),
    ),
    Story(
        "hooli-trial",
        "Hooli trial",
        "Hooli",
        "2026-07-05",
        {"amount": 20000, "owner": "alice", "source": "website"},
        closed=("lost", "price", "2026-08-20"),
    ),
)


@pytest.fixture(scope="session")
def deals_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per session (about 15 commits); each test gets a copy."""
    with git_home(tmp_path_factory):
        root = init_pipeline(tmp_path_factory.mktemp("template") / "deals", layout="flat")
        return tell(root, DEALS)


@pytest.fixture
def deals(deals_template: Path, tmp_path: Path) -> Path:
    """A private copy of the dated sample pipeline (a real git repo)."""
    return Path(shutil.copytree(deals_template, tmp_path / "deals", symlinks=True))


def make_app(root: Path, poll_interval: float = 0) -> PipelineApp:
    return PipelineApp(Workspace(root), clock=fixed_now, poll_interval=poll_interval)


WAIT_STEPS = 1000  # pilot pauses of 10 ms: ten seconds at most for a worker to get there


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (a worker thread needs real time)."""
    for _ in range(WAIT_STEPS):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the board never got there")


async def settle(pilot: Pilot[None]) -> None:
    """Let workers (loading, history, polling) finish and the screen repaint.

    History starts a moment after the first paint, so wait until the board
    says it is loaded, not just until the workers running now are done.
    """
    app = pilot.app
    await pilot.pause()
    for _ in range(500):
        await _workers_done(pilot)
        await pilot.pause()
        boards = [s for s in app.screen_stack if isinstance(s, BoardScreen)]
        if not boards or (boards[0].state.loaded and boards[0].state.history_loaded):
            break
        await pilot.pause(0.02)
    await _workers_done(pilot)
    await pilot.pause()


async def _workers_done(pilot: Pilot[None]) -> None:
    """Wait for the running workers; one replaced by a newer run (exclusive) is fine."""
    for _ in range(50):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await pilot.pause(0.01)


def board_of(pilot: Pilot[None]) -> BoardScreen:
    app = pilot.app
    assert isinstance(app, PipelineApp)
    return app.board


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def card_ids(board: BoardScreen, stage: str) -> list[str]:
    for column in board.state.columns:
        if column.stage == stage:
            return [card.id for card in column.cards]
    raise AssertionError(f"no column {stage}")


@contextmanager
def gated(
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    before: Callable[[Progress], None] | None = None,
) -> Iterator[threading.Event]:
    """``BoardState.<method>`` (a history read in a worker) waits for the event yielded.

    ``before`` runs first (a progress report, as git's first lines would give);
    the event is set on the way out, so a test that fails never leaves a worker waiting.
    """
    gate = threading.Event()
    original = getattr(BoardState, method)

    def held(self: BoardState, progress: Progress) -> Any:
        if before is not None:
            before(progress)
        assert gate.wait(10), f"the test never let {method} through"
        return original(self, progress)

    monkeypatch.setattr(BoardState, method, held)
    try:
        yield gate
    finally:
        gate.set()
