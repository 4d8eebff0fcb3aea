"""The pre-commit hook refuses broken STAGED files, whatever the work tree says."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.decoy import plant_decoy

GOOD = "id: deal\ntitle: Deal\naccount: ACME\nstage: lead\ncreated: 2026-11-01\n"


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


def test_install_writes_an_executable_hook(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("hook", "install")
    assert result.exit_code == 0
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert hook.stat().st_mode & 0o111
    assert "hook run" in hook.read_text(encoding="utf-8")
    assert run_cli("hook", "install").exit_code == 0  # reinstalling our own hook is fine


def test_a_foreign_hook_is_not_replaced_without_force(run_cli: RunCli, repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    refused = run_cli("hook", "install")
    assert refused.exit_code == 2
    assert "not written by pipeline-tui" in refused.stderr
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\nexit 0\n"
    assert run_cli("hook", "install", "--force").exit_code == 0
    backup = hook.with_name("pre-commit.before-pipeline")
    assert backup.read_text(encoding="utf-8") == "#!/bin/sh\nexit 0\n"


def test_commits_are_checked_on_staged_content(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("hook", "install").exit_code == 0
    path = repo / "opportunities" / "deal.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert git(repo, "add", "opportunities/deal.yaml").returncode == 0
    ok = git(repo, "commit", "-m", "good deal")
    assert ok.returncode == 0, ok.stderr

    path.write_text(GOOD.replace("stage: lead", "stage: nowhere"), encoding="utf-8")
    git(repo, "add", "opportunities/deal.yaml")
    path.write_text(GOOD.replace("Deal", "Fixed in the work tree only"), encoding="utf-8")
    refused = git(repo, "commit", "-m", "broken deal")
    assert refused.returncode != 0
    assert "opportunities/deal.yaml:4: error: stage: unknown stage 'nowhere'" in refused.stderr
    assert "commit refused" in refused.stderr
    assert git(repo, "log", "-1", "--format=%s").stdout.strip() == "good deal"

    git(repo, "add", "opportunities/deal.yaml")  # stage the fixed version
    assert git(repo, "commit", "-m", "fixed").returncode == 0


def test_a_broken_staged_config_is_refused(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("hook", "install").exit_code == 0
    (repo / "pipeline.yaml").write_text("stages: [\n", encoding="utf-8")
    git(repo, "add", "pipeline.yaml")
    refused = git(repo, "commit", "-m", "oops")
    assert refused.returncode != 0
    assert "pipeline.yaml" in refused.stderr and "YAML syntax error" in refused.stderr


def test_hook_run_passes_when_nothing_is_staged(run_cli: RunCli) -> None:
    result = run_cli("hook", "run")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_the_hook_never_imports_code_from_the_repository(
    run_cli: RunCli, repo: Path, tmp_path: Path
) -> None:
    assert run_cli("hook", "install").exit_code == 0
    mark = tmp_path / "decoy-ran"
    plant_decoy(repo, mark)  # git runs hooks at the top of the work tree
    (repo / "opportunities" / "deal.yaml").write_text(
        GOOD.replace("stage: lead", "stage: nowhere"), encoding="utf-8"
    )
    git(repo, "add", "opportunities/deal.yaml")
    refused = git(repo, "commit", "-m", "broken deal")
    assert refused.returncode != 0 and "unknown stage 'nowhere'" in refused.stderr
    assert not mark.exists()


@pytest.mark.parametrize("inner", ["ab/deal.yaml", "2026/11/deal.yaml"])
def test_deal_files_in_subfolders_are_checked_too(run_cli: RunCli, repo: Path, inner: str) -> None:
    # The sharded layout keeps deals in opportunities/<xx>/; the hook used to skip them.
    assert run_cli("hook", "install").exit_code == 0
    path = repo / "opportunities" / inner
    path.parent.mkdir(parents=True)
    path.write_text(GOOD.replace("stage: lead", "stage: nowhere"), encoding="utf-8")
    git(repo, "add", f"opportunities/{inner}")
    refused = git(repo, "commit", "-m", "broken deal in a subfolder")
    assert refused.returncode != 0
    assert f"opportunities/{inner}:4: error: stage: unknown stage 'nowhere'" in refused.stderr


def test_files_the_store_never_reads_are_not_checked(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("hook", "install").exit_code == 0
    for inner in (".drafts/deal.yaml", "ab/.deal.yaml", "ab/deal.yml.txt"):
        path = repo / "opportunities" / inner
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("stage: [not, a, deal\n", encoding="utf-8")
        git(repo, "add", "-f", f"opportunities/{inner}")
    done = git(repo, "commit", "-m", "notes kept beside the deals")
    assert done.returncode == 0, done.stderr


def test_a_second_file_for_an_id_the_index_already_has_is_refused(
    run_cli: RunCli, repo: Path
) -> None:
    # `validate` reports a duplicate id; the hook let a copy into another folder in.
    assert run_cli("hook", "install").exit_code == 0
    (repo / "opportunities" / "deal.yaml").write_text(GOOD, encoding="utf-8")
    git(repo, "add", "opportunities/deal.yaml")
    assert git(repo, "commit", "-m", "the deal").returncode == 0
    copy = repo / "opportunities" / "copy" / "deal.yaml"
    copy.parent.mkdir()
    copy.write_text(GOOD.replace("title: Deal", "title: Copy"), encoding="utf-8")
    git(repo, "add", "opportunities/copy/deal.yaml")

    refused = git(repo, "commit", "-m", "a copy")

    assert refused.returncode != 0
    assert (
        "opportunities/copy/deal.yaml:1: error: id: duplicate id 'deal', "
        "also in opportunities/deal.yaml"
    ) in refused.stderr
    assert git(repo, "log", "-1", "--format=%s").stdout.strip() == "the deal"
    git(repo, "rm", "-q", "--cached", "opportunities/deal.yaml")  # a move into copy/ is fine
    done = git(repo, "commit", "-m", "filed in copy/")
    assert done.returncode == 0, done.stderr
