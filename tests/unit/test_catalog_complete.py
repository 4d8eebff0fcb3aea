"""Every message the package marks for translation has a zh_CN translation.

An AST scan of all of ``pipeline_tui/`` (CLI, TUI, reports, HTML, sync,
import, doctor): each ``_("...")``, ``N_("...")``, ``ngettext("...", ...)`` and
``pgettext("context", "...")`` with a literal argument is a msgid that must
be in the catalog with a non-empty msgstr.  Wrapping a new user-facing string
without translating it fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import click

from pipeline_tui.cli import cli
from pipeline_tui.cli.base import translate_help
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


# --------------------------------------------------------------------------- unmarked strings

#: Calls whose (first) argument is text for a person: printed lines and the
#: errors the front ends show as one line.  Errors that mean a bug
#: (TypeError, LookupError, AssertionError) are for developers and stay English.
_SHOWN_CALLS = {
    "echo",
    "secho",
    "report",
    "notify",
    "UsageError",
    "BadParameter",
    "ClickException",
    "fail",
    "ValueError",
    "DeliveryError",
}
_ERROR_SUFFIXES = ("Error", "Failed", "NotFound", "BadRequest", "InvalidData", "Unchanged")
_BUG_ERRORS = {"TypeError", "LookupError", "AssertionError", "FileNotFoundError"}
#: Where the argument that a person reads sits, when it is not the first.
_MESSAGE_ARGUMENT = {"SyncError": 1, "Problem": 1, "RowProblem": 2, "_failed": 1}
#: (file, message start): a ValueError about the program's own arguments, not the user's.
_DEVELOPER_MESSAGES = {
    ("sync/retry.py", "invalid backoff"),
    ("cli/__init__.py", "module "),  # Python's own AttributeError for a missing name
}
_PROSE = re.compile(r"[A-Za-z]{3,}")


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _literal_text(node: ast.expr) -> str | None:
    """The text of a string literal or f-string (an f-string's fields left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def unmarked_messages(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each literal a person would read that is not wrapped in ``_()``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in _BUG_ERRORS:
            continue
        if name in _MESSAGE_ARGUMENT:
            index = _MESSAGE_ARGUMENT[name]
            shown = node.args[index : index + 1]
            shown += [k.value for k in node.keywords if k.arg == "message"]
        elif name in _SHOWN_CALLS or name.endswith(_ERROR_SUFFIXES):
            shown = node.args[:1]
        else:
            continue
        for argument in shown:
            text = _literal_text(argument)
            if text and _PROSE.search(text):
                yield argument.lineno, text


def test_every_message_a_person_reads_is_marked() -> None:
    """Printed lines, user-facing errors and problems hold ``_()``, never bare English.

    The runtime counterpart, which also catches text built elsewhere, is
    ``tests/integration/test_zh_no_english.py``.
    """
    unmarked = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in unmarked_messages(path)
        if not any(
            str(path.relative_to(PACKAGE)) == where and text.startswith(start)
            for where, start in _DEVELOPER_MESSAGES
        )
    ]
    assert unmarked == []


def test_the_scan_sees_bare_messages(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        'echo(f"wrote {n} deals")\n'
        'raise BadRequest("nothing to set")\n'
        'raise BadRequest(_("nothing to set"))\n'
        'Problem(path, "is required", 3)\n'
        'raise TypeError("not a string")\n'
        'echo(f"{a}: {b}")\n',
        encoding="utf-8",
    )
    assert [line for line, _text in unmarked_messages(source)] == [1, 2, 4]


def test_every_help_text_is_translated() -> None:
    """Each command's help (as click shows it) and each option's help has a zh_CN text."""
    translations = catalog("zh_CN")
    context = click.Context(cli)
    missing: list[str] = []

    def walk(command: click.Command, name: str) -> None:
        translate_help(command)  # back to English, whatever an earlier test in this process showed
        texts = [inspect.cleandoc(command.help or "")]
        texts += [p.help or "" for p in command.params if isinstance(p, click.Option)]
        missing.extend(f"{name}: {t!r}" for t in texts if t and not translations.get(t))
        if isinstance(command, click.Group):
            for sub in command.list_commands(context):
                found = command.get_command(context, sub)
                assert found is not None
                walk(found, f"{name} {sub}")

    walk(cli, "pipeline")
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    """A msgstr names the same ``{fields}`` as its msgid, or ``.format`` would fail."""
    fields = re.compile(r"\{([^{}]*)\}")
    wrong = [
        message
        for message, translated in catalog("zh_CN").items()
        if "{" in message
        and "{name:" not in message  # a YAML example in a message, not a field
        and sorted(fields.findall(message.replace("{{", "").replace("}}", "")))
        != sorted(fields.findall(translated.replace("{{", "").replace("}}", "")))
    ]
    assert wrong == []
