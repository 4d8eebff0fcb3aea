"""The warm ``pipeline list --json`` path stays light: no jsonschema, GitPython or Textual."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pipeline_tui.edits.workspace import Workspace
from tests.history_helpers import day, new_deal

CHECK = """
import sys
from click.testing import CliRunner
from pipeline_tui.cli import cli
result = CliRunner().invoke(cli, ["--repo", sys.argv[1], "list", "--json"])
assert result.exit_code == 0, result.output
heavy = sorted({"jsonschema", "git", "textual", "tabulate"} & set(sys.modules))
print(",".join(heavy))
"""


def test_a_warm_list_imports_no_heavy_library(repo: Path) -> None:
    ws = Workspace(repo)
    new_deal(ws, "a", day(0))
    ws.move("a", "qualified", at=day(1))
    old = time.time_ns() - 3600 * 10**9
    for path in [repo / "pipeline.yaml", *(repo / "opportunities").glob("*.yaml")]:
        os.utime(path, ns=(old, old))  # settled files: the parse cache may trust them
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}

    def heavy_modules() -> str:
        done = subprocess.run(
            [sys.executable, "-c", CHECK, str(repo)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        return done.stdout.strip()

    heavy_modules()  # cold: fills the caches
    assert heavy_modules() == ""


def test_the_bundled_schemas_are_valid_json_schemas() -> None:
    from jsonschema import Draft202012Validator

    from pipeline_tui.core.schema import CONFIG_SCHEMA, OPPORTUNITY_SCHEMA, load_schema

    for name in (OPPORTUNITY_SCHEMA, CONFIG_SCHEMA):
        Draft202012Validator.check_schema(load_schema(name))
