"""The warm ``pipeline list``: served from a snapshot, the same bytes, never stale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_tui.cli.listing import serve_warm
from pipeline_tui.core.errors import ExitCode
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.history import prefetch_worker
from pipeline_tui.storage import snapshot
from tests.conftest import RunCli
from tests.gitutil import deal_path, git
from tests.history_helpers import day, new_deal

NOW = "2026-03-01T12:00:00+00:00"
FORMATS: tuple[list[str], ...] = ([], ["--json"], ["--csv"])


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled as soon as written, and the clock stands still."""
    monkeypatch.setattr(snapshot, "SETTLE_NS", 0)
    monkeypatch.setenv("PIPELINE_NOW", NOW)


@pytest.fixture
def deals(repo: Path) -> Path:
    ws = Workspace(repo)
    new_deal(ws, "acme", day(0))
    ws.move("acme", "qualified", at=day(2))
    new_deal(ws, "beta", day(1), tags=["中文"])
    return repo


def warm(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[bool, str, str]:
    """(served?, stdout, stderr) of the entry point's warm path."""
    capsys.readouterr()
    try:
        served = serve_warm(["--repo", str(repo), "list", *args])
    except SystemExit as exc:  # served, with a file that has errors: exit 1, as the command
        assert exc.code == ExitCode.PROBLEMS
        served = True
    out = capsys.readouterr()
    return served, out.out, out.err


@pytest.mark.parametrize("args", FORMATS)
def test_the_warm_path_prints_the_bytes_the_command_printed(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    full = run_cli("list", *args)

    served, out, err = warm(deals, capsys, *args)

    assert served
    assert out == full.stdout
    assert err == full.stderr


def test_a_listing_kept_in_one_language_is_not_served_in_another(
    deals: Path,
    run_cli: RunCli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    english = run_cli("list").stdout
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    assert warm(deals, capsys)[0] is False  # the English table is not the answer
    chinese = run_cli("list").stdout
    served, out, _err = warm(deals, capsys)

    assert chinese != english
    assert (served, out) == (True, chinese)


def test_nothing_is_served_before_the_command_ran_or_for_other_forms(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    assert warm(deals, capsys, "--json") == (False, "", "")
    run_cli("list", "--json")
    assert warm(deals, capsys, "--stage", "lead") == (False, "", "")
    assert serve_warm(["--repo", str(deals), "list", "--json", "--csv"]) is False
    assert serve_warm(["--repo", str(deals), "show", "acme"]) is False


def test_files_changed_within_the_settle_time_are_never_kept(
    deals: Path,
    run_cli: RunCli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshot, "SETTLE_NS", 3600 * 10**9)  # everything is "just written"
    run_cli("list", "--json")
    assert warm(deals, capsys, "--json")[0] is False


def test_a_hand_edit_of_the_same_size_and_mtime_is_seen(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli("list", "--json")
    path = deal_path(deals, "beta")
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("ACME", "ACNE"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size

    assert warm(deals, capsys, "--json")[0] is False
    fresh = run_cli("list", "--json").stdout
    assert "ACNE" in fresh
    assert warm(deals, capsys, "--json")[1] == fresh


def test_a_new_commit_is_seen(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli("list", "--json")
    git(deals, "commit", "--allow-empty", "-q", "-m", "nothing but a new HEAD")
    assert warm(deals, capsys, "--json")[0] is False


def test_switching_branch_is_seen(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    git(deals, "branch", "other")
    Workspace(deals).move("acme", "proposal", at=day(5))
    run_cli("list")
    git(deals, "switch", "-q", "other")

    assert warm(deals, capsys)[0] is False
    fresh = run_cli("list").stdout
    assert "proposal" not in fresh
    assert warm(deals, capsys) == (True, fresh, "")


def test_packed_refs_and_a_new_file_are_seen(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    git(deals, "pack-refs", "--all")
    run_cli("list", "--json")
    assert warm(deals, capsys, "--json")[0] is True  # HEAD read from packed-refs

    dropped = deals / "opportunities" / "hand-made.yaml"
    dropped.write_text(
        deal_path(deals, "beta").read_text(encoding="utf-8").replace("id: beta", "id: hand-made"),
        encoding="utf-8",
    )
    assert warm(deals, capsys, "--json")[0] is False


def test_problems_are_replayed_on_stderr(
    deals: Path, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    (deals / "opportunities" / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    full = run_cli("list")
    assert "broken.yaml" in full.stderr and full.exit_code == 1

    assert warm(deals, capsys) == (True, full.stdout, full.stderr)


def test_a_symlink_below_opportunities_is_never_fingerprinted(deals: Path, run_cli: RunCli) -> None:
    target = deal_path(deals, "beta")
    (deals / "opportunities" / "linked.yaml").symlink_to(target)
    assert snapshot.fingerprint(deals) is None


WARM_IMPORTS = """
import sys
from pipeline_tui.cli import main
sys.argv = ["pipeline", "--repo", sys.argv[1], "list", "--json"]
main()
heavy = ("click", "ruamel", "jsonschema", "git", "textual", "pipeline_tui.edits",
         "pipeline_tui.history", "pipeline_tui.yaml", "pipeline_tui.reports")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith(heavy))
print("LOADED:" + ",".join(loaded), file=sys.stderr)
"""


def test_the_warm_entry_point_imports_no_click_yaml_git_or_workspace(
    deals: Path, run_cli: RunCli
) -> None:
    full = run_cli("list", "--json")
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    # the snapshot was kept by this process (settle time 0); the new one only reads it
    done = subprocess.run(
        [sys.executable, "-c", WARM_IMPORTS, str(deals)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert done.stdout == full.stdout
    assert done.stderr.strip() == "LOADED:"


def test_a_missed_json_listing_starts_the_history_read_at_once(
    deals: Path,
    run_cli: RunCli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The history's second process starts before the command is even imported (cold ``--json``)."""
    started: list[Path] = []
    monkeypatch.setattr(prefetch_worker, "start", lambda root, **_how: started.append(root))

    assert warm(deals, capsys, "--csv") == (False, "", "")
    assert started == []  # only ``--json`` shows history columns
    assert warm(deals, capsys, "--json") == (False, "", "")
    assert started == [deals]
    run_cli("list", "--json")
    started.clear()
    assert warm(deals, capsys, "--json")[0] is True
    assert started == []  # served: nothing to read
