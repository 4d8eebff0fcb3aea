"""Every command defined in ``pipeline_tui/cli`` is reachable from the lazy ``pipeline`` group.

The group imports a command's module only when that command runs
(``COMMAND_MODULES``), so a command defined in a module but missing from that
map would be silently unreachable; these tests make such drift fail.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import click

import pipeline_tui.cli as cli_package
from pipeline_tui.cli.base import COMMAND_MODULES, cli
from pipeline_tui.edits.workspace import Workspace
from tests.history_helpers import day, new_deal


def cli_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{cli_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(cli_package.__path__)
    ]


def with_subcommands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from with_subcommands(sub)


def defined_commands() -> dict[int, str]:
    """id -> "module:name" of every Click command the cli modules define (not the root)."""
    found: dict[int, str] = {}
    for module in cli_modules():
        for value in vars(module).values():
            if not isinstance(value, click.Command) or value is cli:
                continue
            callback_module = getattr(value.callback, "__module__", None)
            if callback_module != module.__name__:
                continue  # imported from another module: counted there
            for command in with_subcommands(value):
                found[id(command)] = f"{module.__name__}:{command.name}"
    return found


def lazily_reachable() -> set[int]:
    """Commands the group can reach through COMMAND_MODULES alone."""
    reachable: set[int] = set()
    for name, module in COMMAND_MODULES.items():
        importlib.import_module(f"{cli_package.__name__}.{module}")
        command = cli.commands[name]
        reachable |= {id(c) for c in with_subcommands(command)}
    return reachable


def test_every_defined_command_is_reachable_through_the_lazy_registry() -> None:
    defined = defined_commands()
    assert len(defined) > 20  # the scan found the commands
    unreachable = sorted(where for key, where in defined.items() if key not in lazily_reachable())
    assert unreachable == []


def test_each_registry_entry_names_the_module_that_defines_it() -> None:
    for module in cli_modules():
        del module  # importing them all registers every command on the group
    assert set(cli.commands) == set(COMMAND_MODULES)
    wrong = {
        name: command.callback.__module__
        for name, command in cli.commands.items()
        if command.callback is not None
        and command.callback.__module__ != f"{cli_package.__name__}.{COMMAND_MODULES[name]}"
    }
    assert wrong == {}


LIST_JSON = """
import sys
from click.testing import CliRunner
from pipeline_tui.cli import cli
result = CliRunner().invoke(cli, ["--repo", sys.argv[1], "list", "--json"])
assert result.exit_code == 0, result.output
prefixes = ("pipeline_tui.reports", "pipeline_tui.dataio", "pipeline_tui.sync.exchange")
print(",".join(sorted(m for m in sys.modules if m.startswith(prefixes))))
"""


def test_list_json_loads_no_report_or_import_code(repo: Path) -> None:
    new_deal(Workspace(repo), "a", day(0))
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    done = subprocess.run(
        [sys.executable, "-c", LIST_JSON, str(repo)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert done.stdout.strip() == ""


VERSION = """
import sys
from click.testing import CliRunner
from pipeline_tui.cli import cli
result = CliRunner().invoke(cli, ["--version"])
assert result.exit_code == 0, result.output
heavy = ("pipeline_tui.edits", "pipeline_tui.history", "pipeline_tui.git", "ruamel", "jsonschema")
print(",".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_the_group_alone_loads_no_workspace_history_or_yaml() -> None:
    """``--version``, ``--help`` and completion pay for Click, not for the workspace."""
    done = subprocess.run(
        [sys.executable, "-c", VERSION], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


VALIDATE = """
import sys
from click.testing import CliRunner
from pipeline_tui.cli import cli
result = CliRunner().invoke(cli, ["--repo", sys.argv[1], "validate"])
assert result.exit_code == 0, result.output
unused = (
    "pipeline_tui.edits", "pipeline_tui.history", "pipeline_tui.git", "pipeline_tui.cli.records",
    "pipeline_tui.yaml.edit", "pipeline_tui.yaml.blocks", "rapidfuzz",
)
print(",".join(sorted(m for m in sys.modules if m.startswith(unused))))
"""


def test_validate_loads_no_workspace_history_or_round_trip_editor(repo: Path) -> None:
    """A cold ``validate`` of 10,000 files starts in a tenth of a second: it only reads."""
    new_deal(Workspace(repo), "a", day(0))
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(repo)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert done.stdout.strip() == ""
