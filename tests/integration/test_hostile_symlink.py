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
