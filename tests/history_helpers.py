"""Building repositories with known, backdated events for the history tests."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline_tui.edits.workspace import Workspace
from tests.gitutil import deal_path

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
READY: dict[str, Any] = {
    "contact.email": "jane@acme.example",
    "amount": 1000,
    "expected_close": date(2026, 6, 30),
}


def day(n: float) -> datetime:
    """``n`` days after T0."""
    return T0 + timedelta(days=n)


def git(root: Path, *args: str, at: datetime | None = None, author: str | None = None) -> str:
    """Run git in ``root`` like a person would, optionally backdated / as someone else."""
    env = dict(os.environ)
    if at is not None:
        env["GIT_AUTHOR_DATE"] = at.isoformat()
        env["GIT_COMMITTER_DATE"] = at.isoformat()
    if author is not None:
        env["GIT_AUTHOR_NAME"] = author
        env["GIT_AUTHOR_EMAIL"] = f"{author.lower().replace(' ', '.')}@example.com"
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def new_deal(ws: Workspace, opp_id: str, at: datetime, **fields: Any) -> str:
    """A deal ready to move anywhere (requirements filled); its creation commit."""
    return ws.create(f"Deal {opp_id}", "ACME", {**READY, **fields}, opp_id=opp_id, at=at).commit


def set_stage_by_hand(root: Path, opp_id: str, stage: str) -> Path:
    """Edit the stage line with a text editor's precision, without the CLI."""
    path = deal_path(root, opp_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(f"stage: {stage}\n" if ln.startswith("stage:") else ln for ln in lines),
        encoding="utf-8",
    )
    return path
