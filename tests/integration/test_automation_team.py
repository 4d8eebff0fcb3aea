"""Two clones of one pipeline both run ``automate run``: one notification, and they agree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli
from tests.automation_servers import Hook, http_server
from tests.teammates import DEAL, founder, git, join, make_remote, no_markers


@pytest.fixture
def hook() -> Iterator[Hook]:
    with http_server() as server:
        yield server


def automate(root: Path) -> str:
    result = CliRunner().invoke(
        cli, ["--repo", str(root), "automate", "run"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_two_clones_notify_once_and_agree(tmp_path: Path, hook: Hook) -> None:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    config = alice.root / "pipeline.yaml"
    config.write_text(
        config.read_text("utf-8")
        + f"""
automations:
  - name: overdue
    trigger: {{no_activity: {{days: 3}}}}
    actions:
      - notify: {{to: ["webhook:{hook.url("/crm")}"], message: "{{title}} is quiet"}}
""",
        "utf-8",
    )
    git(alice.root, "commit", "-qam", "rules")
    alice.sync()
    bob = join(tmp_path, str(remote), "Bob")

    said = automate(alice.root)
    assert f"did: automation 'overdue': notified 1 ({DEAL})" in said
    assert automate(bob.root).strip() == "Nothing to do: no time rule fires now."
    assert hook.bodies("/crm") == [
        {
            "title": "Deal update: CRM rollout",
            "message": "CRM rollout is quiet",
            "deal": DEAL,
            "rule": "overdue",
        }
    ]
    alice.sync()
    assert alice.text() == bob.text()
    assert "automation: {fired: {overdue:" in bob.text()
    assert git(alice.root, "rev-parse", "HEAD") == git(bob.root, "rev-parse", "HEAD")
    no_markers(alice, bob)
    # Neither clone fires again for the same quiet spell.
    assert "Nothing to do" in automate(alice.root)
    assert len(hook.requests) == 1
