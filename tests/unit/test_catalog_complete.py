"""Every message the package marks for translation has a zh_CN translation.

An AST scan of all of ``pipeline_tui/`` (CLI, TUI, reports, HTML, sync,
import, doctor): each ``_("...")``, ``N_("...")``, ``ngettext("...", ...)`` and
``pgettext("context", "...")`` with a literal argument is a msgid that must
be in the catalog with a non-empty msgstr.  Wrapping a new user-facing string
without translating it fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pipeline_tui.i18n import _CONTEXT_SEP, catalog

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline_tui"


def marked_messages(path: Path) -> Iterator[str]:
    """Catalog keys of the literal messages ``path`` wraps (``ctx\\x04msg`` with context)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        literals = [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if node.func.id in ("_", "N_") and len(node.args) == 1 and len(literals) == 1:
            yield literals[0]
        elif node.func.id == "ngettext" and literals:
            yield literals[0]  # the singular is the key (Chinese has one form)
        elif node.func.id == "pgettext" and len(literals) == 2:
            yield f"{literals[0]}{_CONTEXT_SEP}{literals[1]}"


def test_every_marked_message_is_translated() -> None:
    wanted = {
        (message, str(path.relative_to(PACKAGE)))
        for path in PACKAGE.rglob("*.py")
        for message in marked_messages(path)
    }
    assert len(wanted) > 200  # the scan found the strings
    translations = catalog("zh_CN")
    missing = sorted(f"{where}: {m!r}" for m, where in wanted if not translations.get(m))
    assert missing == []


def test_departure_is_not_a_direction() -> None:
    """ "Left" the stage is 离开; 左 is only the arrow key."""
    translations = catalog("zh_CN")
    assert translations[f"timeline{_CONTEXT_SEP}Left"] == "离开"
    assert translations["Left"] == "左"
