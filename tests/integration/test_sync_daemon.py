"""End to end through a real git server on loopback: ``git daemon`` with pushes enabled."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_tui.sync.exchange import sync
from tests.teammates import DEAL, founder, git, join, make_remote, no_markers, problems_of


def _daemon_available() -> bool:
    if shutil.which("git") is None:
        return False
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout
    return (Path(exec_path.strip()) / "git-daemon").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30  # generous: a loaded CI machine starts daemons slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"git daemon exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("git daemon did not start listening within 30 s")


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[str]:
    """A git daemon serving ``tmp_path/served`` with receive-pack; its base URL."""
    if not _daemon_available():
        pytest.skip("git-daemon is not installed (package git-daemon-run or git's exec path)")
    served = tmp_path / "served"
    served.mkdir()
    port = _free_port()
    process = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={served}",
            str(served),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port, process)
        yield f"git://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_teammates_sync_through_git_daemon(tmp_path: Path, daemon: str) -> None:
    make_remote(tmp_path / "served")
    url = f"{daemon}/remote.git"
    alice = founder(tmp_path, url)
    bob = join(tmp_path, url, "Bob")
    alice.ws.set_fields(DEAL, {"amount": 222000})
    bob.ws.set_fields(DEAL, {"owner": "bob"})
    bob.ws.log(DEAL, "call", "bob called Jane")
    assert alice.sync().pushed
    result = bob.sync()
    assert result.pushed and result.received == 1 and result.sent == 2
    assert [(c.id, c.kind, c.fields) for c in result.incoming] == [(DEAL, "updated", ("amount",))]
    assert f"1 updated: CRM rollout ({DEAL}): amount" in result.summary()
    assert sync(alice.root).received == 2
    for mate in (alice, bob):
        assert mate.field("amount") == 222000 and mate.field("owner") == "bob"
        assert [a["note"] for a in mate.field("activities")] == ["bob called Jane"]
        assert problems_of(mate) == []
    assert git(alice.root, "rev-parse", "HEAD") == git(bob.root, "rev-parse", "HEAD")
    no_markers(alice, bob)
