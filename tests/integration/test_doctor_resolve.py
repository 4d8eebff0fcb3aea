"""``pipeline init`` registering the driver, ``doctor [--fix]``, and ``resolve``."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline_tui.cli import cli
from pipeline_tui.core.errors import BadRequest
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage.layout import Layout
from pipeline_tui.sync.doctor import CheckResult, run_checks
from pipeline_tui.sync.merge_driver import ATTRIBUTES_LINE, DRIVER_KEY
from pipeline_tui.sync.resolve import resolve
from pipeline_tui.yaml.read import parse_fast
from tests.conftest import RunCli
from tests.teammates import git, join, make_remote

pytestmark = pytest.mark.both_layouts

CONFLICTED = """\
# kept comment
id: acme-1
title: CRM
account: ACME
stage: qualified
amount: 90000
owner: bob
created: 2026-11-01T10:00:00+00:00
contact: {email: jane@acme.example}
conflicts:
  stage: {ours: qualified, theirs: proposal, base: lead}
  amount: {ours: 90000, theirs: 120000, base: 100000}
"""


def invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--repo", str(root), *args], catch_exceptions=False)


def test_init_commits_gitattributes_and_registers_the_driver(repo: Path) -> None:
    assert git(repo, "show", "HEAD:.gitattributes").splitlines()[-1] == ATTRIBUTES_LINE
    assert git(repo, "ls-files") == ".gitattributes\npipeline.yaml"
    assert "merge-driver %O %A %B %P" in git(repo, "config", "--local", DRIVER_KEY)
    assert git(repo, "check-attr", "merge", "opportunities/x.yaml").endswith("merge: pipeline")


def test_doctor_on_a_fresh_clone_names_the_fix_and_applies_it(tmp_path: Path, repo: Path) -> None:
    remote = make_remote(tmp_path)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "--quiet", "-u", "origin", "main")
    bob = join(tmp_path, str(remote), "Bob")
    result = invoke(bob.root, "doctor")
    assert result.exit_code == 1
    assert "FAIL] merge-driver" in result.output and "pipeline doctor --fix" in result.output
    checks = {c["check"]: c for c in json.loads(invoke(bob.root, "doctor", "--json").output)}
    assert checks["merge-driver"]["status"] == "error" and checks["merge-driver"]["fixable"]
    assert checks["gitattributes"]["status"] == "ok" and checks["remote"]["status"] == "ok"
    fixed = invoke(bob.root, "doctor", "--fix")
    assert fixed.exit_code == 0 and "registered the merge driver" in fixed.output
    assert "merge-driver" in git(bob.root, "config", "--local", DRIVER_KEY)


def test_doctor_fix_restores_and_commits_gitattributes_only(repo: Path) -> None:
    git(repo, "rm", "--quiet", ".gitattributes")
    git(repo, "commit", "--quiet", "-m", "oops")
    (repo / "draft.txt").write_text("not mine to commit\n", "utf-8")
    checks = {r.name: r for r in run_checks(Workspace(repo))}
    assert checks["gitattributes"].status == "warning"  # not shared yet: not an error
    assert checks["remote"].status == "warning"
    git(repo, "remote", "add", "origin", "/nowhere")
    checks = {r.name: r for r in run_checks(Workspace(repo))}
    assert checks["gitattributes"].status == "error"
    results = run_checks(Workspace(repo), fix=True)
    assert {r.name: r.status for r in results}["gitattributes"] == "ok"
    assert git(repo, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "pipeline: merge opportunities field by field",
        "",
        ".gitattributes",
    ]
    assert "?? draft.txt" in git(repo, "status", "--porcelain")


def test_doctor_flags_a_driver_whose_program_is_gone(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "/nowhere")
    git(repo, "config", DRIVER_KEY, "/nonexistent/python -m pipeline_tui merge-driver %O %A %B %P")
    [result] = [r for r in run_checks(Workspace(repo)) if r.name == "merge-driver"]
    assert result.status == "error" and "no longer exists" in result.message


def test_doctor_rewrites_a_driver_that_could_import_the_repositorys_code(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "/nowhere")
    # What earlier versions registered: `python -m` puts the work tree on sys.path.
    git(repo, "config", DRIVER_KEY, f"{sys.executable} -m pipeline_tui merge-driver %O %A %B %P")
    [result] = [r for r in run_checks(Workspace(repo)) if r.name == "merge-driver"]
    assert result.status == "error" and "without -P" in result.message
    [fixed] = [r for r in run_checks(Workspace(repo), fix=True) if r.name == "merge-driver"]
    assert fixed.status == "ok"
    registered = git(repo, "config", DRIVER_KEY).strip()
    assert registered.startswith(f"{shlex.quote(sys.executable)} -P -m pipeline_tui merge-driver")


def test_doctor_rewrites_a_hook_an_earlier_version_wrote(run_cli: RunCli, repo: Path) -> None:
    [fresh] = [r for r in run_checks(Workspace(repo)) if r.name == "hook"]
    assert fresh.status == "ok"  # none installed: nothing to say
    assert run_cli("hook", "install").exit_code == 0
    hook = repo / ".git" / "hooks" / "pre-commit"
    current = hook.read_text(encoding="utf-8")
    assert f"{shlex.quote(sys.executable)} -P -m pipeline_tui --repo" in current
    hook.write_text(current.replace(" -P -m ", " -m "), encoding="utf-8")  # as before -P
    result = run_cli("doctor", "--json")
    checks = {c["check"]: c for c in json.loads(result.output)}
    assert result.exit_code == 1
    assert checks["hook"]["status"] == "error" and checks["hook"]["fixable"]
    run_cli("doctor", "--fix")
    assert hook.read_text(encoding="utf-8") == current
    hook.write_text("#!/bin/sh\npython -m pipeline_tui hook run\n", encoding="utf-8")  # not ours
    [foreign] = [r for r in run_checks(Workspace(repo)) if r.name == "hook"]
    assert foreign.status == "ok"


def test_doctor_is_a_list_of_checks_others_can_extend(repo: Path) -> None:
    def check_custom(_ws: Workspace) -> CheckResult:
        return CheckResult("custom", "warning", "just saying")

    [result] = run_checks(Workspace(repo), checks=[check_custom])
    assert (result.name, result.status) == ("custom", "warning")


def test_doctor_reports_invalid_files(run_cli: RunCli, repo: Path) -> None:
    (repo / "opportunities" / "acme-1.yaml").write_text(CONFLICTED, "utf-8")
    result = run_cli("doctor", "--json")
    checks = {c["check"]: c for c in json.loads(result.output)}
    assert result.exit_code == 1 and checks["files"]["status"] == "error"
    assert "0 valid deals, 2 errors" in checks["files"]["message"]


def _commit_conflicted(repo: Path) -> Path:
    path = repo / "opportunities" / "acme-1.yaml"
    path.write_text(CONFLICTED, "utf-8")
    git(repo, "add", str(path))
    git(repo, "commit", "--quiet", "-m", "merge with conflicts")
    return path


def test_resolve_ours_keeps_values_comments_and_commits_once(run_cli: RunCli, repo: Path) -> None:
    path = _commit_conflicted(repo)
    before = git(repo, "rev-list", "--count", "HEAD")
    result = run_cli("resolve", "acme-1", "--ours", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["chosen"] == {"stage": "qualified", "amount": 90000}
    data = parse_fast(path.read_text("utf-8"))
    assert data["stage"] == "qualified" and data["amount"] == 90000 and "conflicts" not in data
    assert path.read_text("utf-8").startswith("# kept comment\n")
    assert int(git(repo, "rev-list", "--count", "HEAD")) == int(before) + 1
    assert run_cli("validate").exit_code == 0


def test_resolve_set_decides_one_field_and_side_the_rest(run_cli: RunCli, repo: Path) -> None:
    path = _commit_conflicted(repo)
    result = run_cli("resolve", "acme-1", "--set", "stage=negotiation")
    assert result.exit_code == 2 and "still undecided: amount" in result.output
    assert path.read_text("utf-8") == CONFLICTED
    result = run_cli("resolve", "acme-1", "--theirs", "--set", "stage=negotiation")
    assert result.exit_code == 0, result.output
    data = parse_fast(path.read_text("utf-8"))
    assert (data["stage"], data["amount"]) == ("negotiation", 120000)
    assert git(repo, "status", "--porcelain") == ""


def test_resolve_without_conflicts_is_a_usage_error(repo: Path) -> None:
    Workspace(repo).create("CRM", "ACME", opp_id="acme-1")
    with pytest.raises(BadRequest, match="no recorded conflicts"):
        resolve(Workspace(repo), "acme-1", "ours")


def test_resolve_explains_git_markers_instead_of_guessing(run_cli: RunCli, repo: Path) -> None:
    path = repo / "opportunities" / "acme-1.yaml"
    path.write_text("id: acme-1\n<<<<<<< HEAD\namount: 1\n=======\namount: 2\n>>>>>>> x\n")
    result = run_cli("resolve", "acme-1", "--ours")
    assert result.exit_code == 1
    assert "acme-1.yaml:2" in result.output and "pipeline doctor --fix" in result.output


def test_doctor_fix_never_commits_the_users_own_gitattributes_edits(repo: Path) -> None:
    attributes = repo / ".gitattributes"
    attributes.write_text("*.png binary\n", "utf-8")  # the user's uncommitted edit
    head = git(repo, "rev-parse", "HEAD")
    [result] = [r for r in run_checks(Workspace(repo), fix=True) if r.name == "gitattributes"]
    assert result.status == "ok" and result.fixed is not None and "yourself" in result.fixed
    assert git(repo, "rev-parse", "HEAD") == head
    assert attributes.read_text("utf-8").startswith("*.png binary\n")
    assert attributes.read_text("utf-8").endswith(f"{ATTRIBUTES_LINE}\n")


def test_doctor_notices_a_sharded_pipeline_that_lost_its_layout_line(
    run_cli: RunCli, repo: Path, layout: Layout
) -> None:
    for title in ("One", "Two", "Three"):
        assert run_cli("new", title, "--account", "A").exit_code == 0
    config = repo / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        "".join(line for line in text.splitlines(True) if not line.startswith("layout:")),
        encoding="utf-8",
    )
    checks = {c["check"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    if layout == "sharded":
        assert checks["layout"]["status"] == "warning"
        assert "add `layout: sharded`" in checks["layout"]["message"]
    else:  # a flat pipeline without the line is simply flat
        assert checks["layout"]["status"] == "ok"
