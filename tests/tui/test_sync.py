"""`s` on the board runs `pipeline sync` in a worker and shows what came in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline_tui.edits.workspace import Workspace

from .conftest import SIZE, board_of, card_ids, make_app, settle

pytestmark = pytest.mark.asyncio


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


async def test_sync_brings_a_teammates_move_onto_the_board(deals: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(deals, "remote", "add", "origin", str(remote))
    git(deals, "push", "--quiet", "-u", "origin", "main")
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "--quiet", str(remote), str(mate))
    Workspace(mate).move("huawei-crm", "proposal")
    git(mate, "push", "--quiet", "origin", "main")

    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        assert "huawei-crm" in card_ids(board, "qualified")
        await pilot.press("s")
        await settle(pilot)
        await settle(pilot)
        assert "huawei-crm" in card_ids(board, "proposal")
        assert not board.state.syncing


async def test_sync_waits_for_busy_teammates_and_says_so(deals: Path, tmp_path: Path) -> None:
    """A teammate pushes between our fetch and push: the header tells, then it lands."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(deals, "remote", "add", "origin", str(remote))
    git(deals, "push", "--quiet", "-u", "origin", "main")
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "--quiet", str(remote), str(mate))
    Workspace(mate).move("huawei-crm", "proposal")
    Workspace(deals).set_fields("huawei-crm", {"amount": 4321})
    hook = deals / ".git" / "hooks" / "pre-push"
    marker = tmp_path / "raced"
    hook.write_text(
        "#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f"[ -e '{marker}' ] && exit 0; touch '{marker}'\n"
        f"git -C '{mate}' push --quiet origin main\n",
        "utf-8",
    )
    hook.chmod(0o755)

    app = make_app(deals)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = board_of(pilot)
        shown: list[str] = []
        set_status = board._set_status

        def record(status: str) -> None:
            shown.append(status)
            set_status(status)

        board._set_status = record  # type: ignore[method-assign]
        await pilot.press("s")
        await settle(pilot)
        await settle(pilot)
        assert not board.state.syncing and marker.exists()
        assert any(s.startswith("syncing… teammates are pushing, attempt 2 in") for s in shown)
        assert "huawei-crm" in card_ids(board, "proposal")
    assert git(remote, "log", "-1", "--format=%s").startswith("huawei-crm: amount")
