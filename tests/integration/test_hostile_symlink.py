"""A symlink in opportunities/ leading outside the pipeline is never read, by any command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.hostile_files import GOOD, put

OUTSIDE = GOOD.replace("good-one", "secret").replace("Good deal", "Outside secret")


@pytest.mark.parametrize(
    "command", [("list",), ("list", "--json"), ("validate",), ("export", "--format", "json")]
)
def test_symlink_leaving_the_pipeline_is_a_problem_not_a_deal(
    run_cli: RunCli, repo: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    put(repo, "good-one", GOOD, commit=False)
    outside = tmp_path / "secret.yaml"
    outside.write_text(OUTSIDE, encoding="utf-8")
    (repo / "opportunities" / "secret.yaml").symlink_to(outside)
    result = run_cli(*command)
    assert "Outside secret" not in result.stdout
    assert "opportunities/secret.yaml" in result.stderr
    assert "a symlink leading outside the pipeline folder: not read" in result.stderr
    if command[0] != "validate":
        assert "good-one" in result.stdout


def test_a_linked_folder_is_said_to_be_a_folder(run_cli: RunCli, repo: Path) -> None:
    put(repo, "good-one", GOOD, commit=False)
    (repo / "archive").mkdir()
    (repo / "opportunities" / "old").symlink_to(repo / "archive")  # inside, but a folder
    result = run_cli("validate")
    assert result.exit_code == 1
    assert "opportunities/old: error: a symlink to a folder: not followed" in result.stderr
    assert "outside" not in result.stderr


@pytest.mark.parametrize("name", ["deal.yml", "deal.YAML", "deal.Yml"])
def test_a_deal_file_with_another_suffix_is_named_not_skipped(
    run_cli: RunCli, repo: Path, name: str
) -> None:
    put(repo, "good-one", GOOD, commit=False)
    (repo / "opportunities" / name).write_text(GOOD.replace("good-one", "deal"), "utf-8")
    checked = run_cli("validate")
    assert checked.exit_code == 1
    assert f"opportunities/{name}: error: not read: a deal file's name must end in .yaml" in (
        checked.stderr
    )
    listed = run_cli("list")
    assert "good-one" in listed.stdout and f"opportunities/{name}" in listed.stderr
