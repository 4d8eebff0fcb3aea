"""The Textual application (placeholder until the board lands)."""

from __future__ import annotations

from pipeline_tui.workspace import Workspace


def run(workspace: Workspace) -> None:
    """Open the TUI on ``workspace``."""
    raise NotImplementedError("the board is not built yet; use `pipeline list`")
