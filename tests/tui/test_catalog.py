"""Every literal string the TUI shows through ``_()`` has a Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline_tui.i18n import catalog

TUI = Path(__file__).resolve().parents[2] / "pipeline_tui" / "tui"
LITERAL = re.compile(r"""_\("((?:[^"\\]|\\.)+)"\)""")


def test_every_tui_string_is_translated() -> None:
    wanted = {
        match.group(1).encode().decode("unicode_escape").encode("latin-1").decode()
        for path in TUI.rglob("*.py")
        for match in LITERAL.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(wanted) > 100  # the scan found the strings
    translations = catalog("zh_CN")
    missing = sorted(m for m in wanted if not translations.get(m))
    assert missing == []
