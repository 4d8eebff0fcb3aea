"""Sync failures a non-expert will meet, each with a clear message and nothing changed."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from pipeline_tui.core.errors import ExitCode, SyncError
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.sync.exchange import sync
from pipeline_tui.sync.setup import init_pipeline
from tests.teammates import DEAL, founder, git, join, make_remote

pytestmark = pytest.mark.both_layouts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def sync_error(root: Path) -> SyncError:
    with pytest.raises(SyncError) as caught:
        sync(root)
    return caught.value


def test_no_remote_says_how_to_add_one(repo: Path) -> None:
    error = sync_error(repo)
    assert error.reason == "no-remote" and "git remote add origin" in str(error)
    result = CliRunner().invoke(cli, ["--repo", str(repo), "sync", "--json"])
    assert result.exit_code == ExitCode.REPO
    payload = json.loads(result.stdout)
    assert payload["status"] == "error" and payload["error"] == "no-remote"


def test_unreachable_remote_is_a_network_error(repo: Path) -> None:
    git(repo, "remote", "add", "origin", f"git://127.0.0.1:{free_port()}/deals.git")
    head = git(repo, "rev-parse", "HEAD")
    error = sync_error(repo)
    assert error.reason == "network" and "cannot reach" in str(error)
    assert git(repo, "rev-parse", "HEAD") == head


class _Refuse(http.server.BaseHTTPRequestHandler):
    """An HTTP git server that wants credentials nobody has."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="deals"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/deals.git"
    finally:
        server.shutdown()
        server.server_close()


def test_authentication_failure_never_prompts(repo: Path, refusing_server: str) -> None:
    git(repo, "remote", "add", "origin", refusing_server)
    error = sync_error(repo)
    assert error.reason == "auth" and "credentials" in str(error)


def test_unrelated_histories_are_refused(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    founder(tmp_path, str(remote))
    other = init_pipeline(tmp_path / "other", author_name="Someone Else", layout="flat")
    git(other, "remote", "add", "origin", str(remote))
    head = git(other, "rev-parse", "HEAD")
    error = sync_error(other)
    assert error.reason == "unrelated-histories" and "share no history" in str(error)
    assert git(other, "rev-parse", "HEAD") == head


def test_dirty_pipeline_file_stops_sync_untouched(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    path = alice.root / "opportunities" / f"{DEAL}.yaml"
    edited = path.read_text("utf-8").replace("ACME Corp", "ACME Corporation")
    path.write_text(edited, "utf-8")
    error = sync_error(alice.root)
    assert error.reason == "dirty" and f"opportunities/{DEAL}.yaml" in str(error)
    assert path.read_text("utf-8") == edited
    assert git(alice.root, "diff", "--name-only") == f"opportunities/{DEAL}.yaml"


def test_dirty_file_the_remote_also_changed_stops_sync(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    (alice.root / "README.md").write_text("v1\n", "utf-8")
    git(alice.root, "add", "README.md")
    git(alice.root, "commit", "--quiet", "-m", "readme")
    sync(alice.root)
    bob = join(tmp_path, str(remote), "Bob")
    (bob.root / "README.md").write_text("v2 from bob\n", "utf-8")
    git(bob.root, "commit", "--quiet", "-am", "readme v2")
    sync(bob.root)
    (alice.root / "README.md").write_text("v1 plus my draft\n", "utf-8")
    head = git(alice.root, "rev-parse", "HEAD")
    error = sync_error(alice.root)
    assert error.reason == "dirty" and "README.md" in str(error)
    assert (alice.root / "README.md").read_text("utf-8") == "v1 plus my draft\n"
    assert git(alice.root, "rev-parse", "HEAD") == head


def test_unmergeable_other_file_aborts_and_restores(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    bob = join(tmp_path, str(remote), "Bob")
    for mate, text in ((alice, "alice\n"), (bob, "bob\n")):
        (mate.root / "NOTES.md").write_text(text, "utf-8")
        git(mate.root, "add", "NOTES.md")
        git(mate.root, "commit", "--quiet", "-m", "notes")
    Workspace(bob.root).set_fields(DEAL, {"owner": "bob"})
    sync(alice.root)
    head = git(bob.root, "rev-parse", "HEAD")
    error = sync_error(bob.root)
    assert error.reason == "conflict" and "NOTES.md" in str(error)
    assert git(bob.root, "rev-parse", "HEAD") == head
    assert git(bob.root, "status", "--porcelain") == ""
    assert not (bob.root / ".git" / "rebase-merge").exists()


def test_mid_rebase_repository_is_refused(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "/nonexistent")
    (repo / ".git" / "rebase-merge").mkdir()
    error = sync_error(repo)
    assert error.reason == "busy" and "rebase" in str(error)


def test_detached_head_is_refused(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "/nonexistent")
    git(repo, "checkout", "--quiet", "--detach")
    error = sync_error(repo)
    assert error.reason == "detached" and "git switch main" in str(error)
