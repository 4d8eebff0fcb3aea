"""The environment every test runs in, whatever the shell that started pytest had.

Kept apart from conftest.py so conftest can pin the locale *before* it imports
``pipeline_tui``: key-binding labels are translated when their module is
imported, so a ``LANG=zh_CN.UTF-8`` shell would otherwise put Chinese labels
into every TUI test however the fixtures pin the environment afterwards.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

# Variables that change what the code under test prints or which config it reads.
# Every name with one of these prefixes is removed; the few that matter are then pinned.
CLEARED_PREFIXES = ("GIT_", "PIPELINE_", "LC_", "XDG_", "TEXTUAL_")
KEPT_PREFIXES = ("TEXTUAL_SNAPSHOT_",)  # pytest-textual-snapshot's own bookkeeping
CLEARED = (
    "TEXTUAL",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLORTERM",
    "LANGUAGE",
    "TZ",
    "EDITOR",
    "VISUAL",
    "PAGER",
)
PINNED = {
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "xterm-256color",
    "COLUMNS": "80",
    "LINES": "24",
    "GIT_CONFIG_NOSYSTEM": "1",
}
GITCONFIG = (
    "[user]\n\tname = Test User\n\temail = test@example.com\n"
    "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
)
XDG_DIRS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}


def pin_home(patch: pytest.MonkeyPatch, home: Path) -> None:
    """Point HOME, the XDG dirs and git's global config at ``home`` (with a test identity)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(GITCONFIG, encoding="utf-8")
    patch.setenv("HOME", str(home))
    patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for var, sub in XDG_DIRS.items():
        patch.setenv(var, str(home / sub))


def pin_environment(patch: pytest.MonkeyPatch, home: Path) -> None:
    """The whole environment a test may depend on: nothing from the user's shell leaks in."""
    for var in list(os.environ):
        if var in CLEARED or (
            var.startswith(CLEARED_PREFIXES) and not var.startswith(KEPT_PREFIXES)
        ):
            patch.delenv(var)
    for var, value in PINNED.items():
        patch.setenv(var, value)
    pin_home(patch, home)
    time.tzset()


def pin_import_time_environment() -> None:
    """Pin, for the whole process, what modules read when imported (locale, time zone)."""
    for var in list(os.environ):
        if var.startswith("LC_") or var == "LANGUAGE":
            del os.environ[var]
    os.environ["LANG"] = PINNED["LANG"]
    os.environ["TZ"] = PINNED["TZ"]
    time.tzset()
