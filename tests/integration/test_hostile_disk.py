"""A full disk or a read-only file system: one line, exit 3, the deal file as it was."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from pipeline_tui.core.errors import ExitCode, WriteFailed
from pipeline_tui.storage import files
from pipeline_tui.storage.files import atomic_write
from pipeline_tui.sync.setup import init_pipeline
from tests.conftest import RunCli
from tests.gitutil import commit_count, deal_rel, git


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, or a skip where mounting is not permitted (not root, a container)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` until at most ``leave`` bytes are free."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    if leave:
        filler = disk / "filler"
        os.truncate(filler, max(0, filler.stat().st_size - leave))


def cli_on(repo: Path, run_cli: RunCli) -> RunCli:
    def run(*args: str) -> Result:
        return run_cli("--repo", str(repo), *args)

    return run


def test_atomic_write_names_enospc_and_leaves_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text("old\n", encoding="utf-8")

    def no_space(_path: Path, _payload: bytes, _durable: bool) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_replace", no_space)
    with pytest.raises(WriteFailed, match=r"^no space left on device: cannot write .*deal.yaml"):
        atomic_write(path, "new\n")
    assert path.read_text(encoding="utf-8") == "old\n"


@pytest.mark.parametrize("leave", [0, 4096, 8192, 16384, 32768])
def test_full_disk_is_one_line_and_the_deal_stays_as_it_was(
    small_disk: Path, run_cli: RunCli, leave: int
) -> None:
    repo = init_pipeline(small_disk / "deals", layout="flat")
    run = cli_on(repo, run_cli)
    assert run("new", "Rollout", "--account", "ACME", "--id", "acme").exit_code == 0
    path = repo / deal_rel(repo, "acme")
    before, commits = path.read_bytes(), commit_count(repo)
    fill(small_disk, leave)
    result = run("set", "acme", "notes=" + "x" * 6000)
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    if result.exit_code == 0:
        assert commit_count(repo) == commits + 1
        assert path.read_bytes() == git(repo, "show", f"HEAD:{deal_rel(repo, 'acme')}").encode()
    else:
        assert result.exit_code == ExitCode.REPO
        [line] = result.stderr.splitlines()
        assert line.startswith("pipeline: ")
        assert path.read_bytes() == before
        assert commit_count(repo) == commits


def test_read_only_file_system_is_one_line(small_disk: Path, run_cli: RunCli) -> None:
    repo = init_pipeline(small_disk / "deals", layout="flat")
    run = cli_on(repo, run_cli)
    assert run("new", "Rollout", "--account", "ACME", "--id", "acme").exit_code == 0
    path = repo / deal_rel(repo, "acme")
    before = path.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run("set", "acme", "amount=5")
    assert result.exit_code == ExitCode.REPO
    [line] = result.stderr.splitlines()
    assert "read-only file system" in line
    assert path.read_bytes() == before
