"""Automation: rules in ``pipeline.yaml`` that act on deals (docs/automation.md).

Pure pieces: :mod:`.rules` (parse and check ``automations:``), :mod:`.triggers`
(does an event or the clock call for a rule?), :mod:`.conditions`,
:mod:`.workdays` (weekends and public holidays), :mod:`.templates` and
:mod:`.actions` (one function per action, each returning planned changes and
deliveries, never writing), :mod:`.schemes` (the targets apprise can
send to, for checking rules without importing it).  :mod:`.notify` sends; :mod:`.delivery` sends a
rule's deliveries and queues the failed ones for retry; :mod:`.engine` ties them to
a :class:`~pipeline_tui.edits.workspace.Workspace`, which commits what the
actions return.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline_tui.edits.workspace import Workspace


def has_rules(config_path: Path) -> bool:
    """A cheap look at ``pipeline.yaml``: does it define automations at all?

    Kept here (the package's first import) so a write in a pipeline without
    rules pays for reading one small file, not for importing the engine.
    """
    try:
        text = config_path.read_text("utf-8")
    except OSError:
        return False
    return "\nautomations:" in "\n" + text


def wire(ws: Workspace) -> None:
    """Run the pipeline's event rules inside every write of ``ws`` (CLI and TUI alike).

    Free without ``automations:``; the engine is imported only when there are rules.
    """
    if has_rules(ws.store.config_path):
        from pipeline_tui.automation.engine import install

        install(ws)
