"""Key descriptions follow the language set at run time, whatever was imported first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.dom import DOMNode

from pipeline_tui import i18n
from pipeline_tui.core.clock import now
from pipeline_tui.core.model import Pipeline
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.tui.agenda.screen import AgendaScreen
from pipeline_tui.tui.app import PipelineApp
from pipeline_tui.tui.deal.forms import CloseForm, LogForm
from pipeline_tui.tui.help import HelpScreen


@pytest.fixture(autouse=True)
def reset_language() -> Iterator[None]:
    yield
    i18n.set_language(None)


def descriptions(node: DOMNode) -> dict[str, str]:
    """Action -> description of the node's own (class) bindings, as the footer shows them."""
    own = {b.action for b in type(node).BINDINGS if not isinstance(b, tuple)}
    return {b.action: b.description for _key, b in node._bindings if b.action in own}


def test_bindings_are_translated_when_the_screen_is_built(repo: Path) -> None:
    i18n.set_language("zh_CN")  # after every TUI module was imported
    nodes: list[DOMNode] = [
        HelpScreen([]),
        LogForm("deal", None, now),
        CloseForm("deal", "lost", ("price",)),
        PipelineApp(Workspace(repo)),
        AgendaScreen(Pipeline(Workspace(repo).config, ()), {}, now, None),
    ]
    chinese = [descriptions(node) for node in nodes]
    assert chinese[0] == {"dismiss": "关闭"}
    assert chinese[3] == {"toggle_theme": "主题", "command_palette": "命令"}
    assert all(text and not text.isascii() for d in chinese for text in d.values())
    i18n.set_language("en")
    assert descriptions(HelpScreen([])) == {"dismiss": "Close"}
    assert [b.description for b in HelpScreen.BINDINGS if not isinstance(b, tuple)] == ["Close"]
