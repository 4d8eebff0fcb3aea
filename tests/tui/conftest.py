"""A small, dated pipeline (with Chinese content) and helpers to drive the real app."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.tui.app import PipelineApp
from pipeline_tui.tui.board.screen import BoardScreen

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIZE = (100, 30)  # big enough for every form; small enough to render fast


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T09:00:00+00:00")


def fixed_now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def deals_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per session (about 15 commits); each test gets a copy."""
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
        return build_deals(
            init_pipeline(tmp_path_factory.mktemp("template") / "deals", layout="flat")
        )


@pytest.fixture
def deals(deals_template: Path, tmp_path: Path) -> Path:
    """A private copy of the dated sample pipeline (a real git repo)."""
    return Path(shutil.copytree(deals_template, tmp_path / "deals", symlinks=True))


def build_deals(repo: Path) -> Path:
    """Six deals across every stage; dates fixed so every run paints the same board."""
    ws = Workspace(repo)
    ws.create(
        "ACME rollout",
        "ACME Corp",
        {
            "amount": 120000,
            "owner": "alice",
            "source": "referral",
            "tags": ["b2b"],
            "next_step": {"due": date(2026, 11, 1), "action": "Send quote"},
        },
        opp_id="acme-rollout",
        at=at("2026-10-01"),
    )
    ws.create(
        "Globex pilot",
        "Globex",
        {"amount": 40000, "owner": "bob", "source": "website"},
        opp_id="globex-pilot",
        at=at("2026-11-10"),
    )
    ws.create(
        "华为 CRM 项目",
        "华为技术",
        {
            "amount": 300000,
            "owner": "王芳",
            "source": "event",
            "contact": {"name": "李雷", "email": "li@huawei.example"},
            "expected_close": date(2027, 1, 31),
            "notes": "客户希望年底前上线。",
        },
        opp_id="huawei-crm",
        at=at("2026-09-15"),
    )
    ws.move("huawei-crm", "qualified", at=at("2026-09-20"))
    ws.create(
        "Initech renewal",
        "Initech",
        {
            "amount": 80000,
            "owner": "alice",
            "source": "partner",
            "tags": ["renewal"],
            "expected_close": date(2026, 12, 15),
            "contact": {"email": "bill@initech.example"},
            "region": "EMEA",
        },
        opp_id="initech-renewal",
        at=at("2026-08-01"),
    )
    ws.move("initech-renewal", "qualified", at=at("2026-08-10"))
    ws.move("initech-renewal", "proposal", at=at("2026-09-01"))
    ws.create(
        "Umbrella deal",
        "Umbrella",
        {"amount": 50000, "owner": "bob", "source": "outbound"},
        opp_id="umbrella-deal",
        at=at("2026-07-01"),
    )
    ws.close("umbrella-deal", "won", "fastest rollout", at=at("2026-10-15"))
    ws.create(
        "Hooli trial",
        "Hooli",
        {"amount": 20000, "owner": "alice", "source": "website"},
        opp_id="hooli-trial",
        at=at("2026-07-05"),
    )
    ws.close("hooli-trial", "lost", "price", at=at("2026-08-20"))
    return repo


def make_app(root: Path, poll_interval: float = 0) -> PipelineApp:
    return PipelineApp(Workspace(root), clock=fixed_now, poll_interval=poll_interval)


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
