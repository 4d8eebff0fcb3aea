"""`pipeline import` progress: a bar on a terminal's stderr through every phase, none elsewhere."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline_tui.cli.imports import _Progress
from pipeline_tui.git.commits import PlannedCommit, fast_import
from pipeline_tui.git.repo import Author, GitRepo
from tests.gitutil import commit_count, git

AUTHOR = Author("Test User", "test@example.com")


class Terminal(io.StringIO):
    """What click writes to a terminal (it draws bars only on one)."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fast_import_reports_commits_then_files(repo: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    commits = [
        PlannedCommit(f"c{n}", AUTHOR, start + timedelta(minutes=n),
                      {Path(f"opportunities/d{n % 7}.yaml"): f"id: d{n % 7}\nn: {n}\n"})
        for n in range(450)
    ]  # fmt: skip
    before = commit_count(repo)
    fast_import(GitRepo(repo), commits, progress=lambda *step: seen.append(step))
    assert [s for s in seen if s[0] == "commits"] == [
        ("commits", 200, 450), ("commits", 400, 450), ("commits", 450, 450)
    ]  # fmt: skip
    assert [s for s in seen if s[0] == "files"] == [("files", 0, 7), ("files", 7, 7)]
    assert commit_count(repo) == before + 450
    assert git(repo, "status", "--porcelain") == ""


def test_fast_import_updates_only_its_own_files_in_a_shared_folder(repo: Path) -> None:
    """Staged and unstaged edits of other deals in the same folder survive the checkout."""
    folder = repo / "opportunities"
    (folder / "staged.yaml").write_text("id: staged\n", encoding="utf-8")
    git(repo, "add", "opportunities/staged.yaml")
    (folder / "draft.yaml").write_text("id: draft\n", encoding="utf-8")
    before = git(repo, "status", "--porcelain", "--untracked-files=all")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    planned = PlannedCommit("new", AUTHOR, when, {Path("opportunities/new.yaml"): "id: new\n"})
    head = fast_import(GitRepo(repo), [planned])
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == before
    assert git(repo, "show", f"{head}:opportunities/new.yaml") == "id: new\n"
    assert (folder / "new.yaml").read_text(encoding="utf-8") == "id: new\n"
    assert "staged.yaml" not in git(repo, "show", "--name-only", "--format=", head)


def test_each_phase_gets_its_bar_once_the_import_has_run_a_second() -> None:
    terminal, clock = Terminal(), Clock()
    progress = _Progress(terminal, delay_s=1.0, clock=clock)
    reading = progress.phase("Reading deals.csv")
    reading(10, 100)  # within the first second: quiet
    assert terminal.getvalue() == ""
    clock.now = 1.5
    reading(50, 100)
    progress.phase("Checking rows")(20, 40)
    progress.git("commits", 3, 4)
    progress.git("files", 2, 2)
    progress.close()
    progress.close()
    shown = terminal.getvalue()
    for label, percent in (
        ("Reading deals.csv", "50%"),
        ("Checking rows", "50%"),
        ("Committing", "75%"),
        ("Updating files", "100%"),
    ):
        assert f"{label}  [" in shown and percent in shown.split(label, 1)[1]
    assert shown.count("\n") == 4  # each bar ends its own line


def test_no_bar_when_stderr_is_not_a_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = _Progress(stream, clock=clock)
    clock.now = 10.0
    progress.phase("Checking rows")(5, 10)
    progress.close()
    assert stream.getvalue() == ""


def _export(path: Path, rows: int) -> None:
    """Deals with three timestamped steps each: thousands of commits."""
    start = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    lines = ["Deal ID,Deal Name,Company,Stage,Created,Engage Date,Close Date,Lost Reason"]
    for n in range(rows):
        created = start + timedelta(minutes=37 * n)
        stamp = "%Y-%m-%dT%H:%M:%S+00:00"
        engaged = (created + timedelta(hours=5)).strftime(stamp)
        closed = (created + timedelta(days=3)).strftime(stamp)
        lines.append(f"D{n},Deal {n},Acme,won,{created.strftime(stamp)},{engaged},{closed},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_terminal_sees_the_bar_move_until_the_last_commit(repo: Path, tmp_path: Path) -> None:
    source = tmp_path / "deals.csv"
    _export(source, 2500)
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "pipeline_tui", "--repo", str(repo), "import", str(source)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    committing = [
        part for part in text.split("\r") if part.removeprefix("\x1b[?25l").startswith("Commit")
    ]
    percents = [int(part.rsplit("%", 1)[0].split()[-1]) for part in committing]
    assert len(percents) >= 3 and percents == sorted(percents) and percents[-1] == 100
    assert "Updating files" in text
    assert commit_count(repo) > 7000
