"""Shared fixtures: a pinned environment, real pipeline repos in temp dirs, the real CLI."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline_tui import i18n
from pipeline_tui.cli import cli
from pipeline_tui.sync.setup import init_pipeline

RunCli = Callable[..., Result]


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


@pytest.fixture(scope="session", autouse=True)
def pinned_session_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Pinned before any session or module fixture builds a template repository.

    Autouse session fixtures run first, so fixtures such as ``deals_template``
    already see the pinned environment, not the user's ``GIT_AUTHOR_*`` or ``TZ``.
    """
    with pytest.MonkeyPatch.context() as patch:
        pin_environment(patch, tmp_path_factory.mktemp("session-home"))
        yield
    time.tzset()


@pytest.fixture(autouse=True)
def pinned_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Each test: its own HOME, the pinned environment again, the language from it.

    The environment is restored exactly afterwards, so a test (or the code it
    runs) that writes ``os.environ`` directly cannot change the next test.
    """
    saved = dict(os.environ)
    pin_environment(monkeypatch, tmp_path_factory.mktemp("home"))
    i18n.set_language(None)
    yield
    i18n.set_language(None)
    monkeypatch.undo()
    os.environ.clear()
    os.environ.update(saved)
    time.tzset()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A freshly initialized pipeline repository with the default config."""
    return init_pipeline(tmp_path / "deals")


@pytest.fixture
def run_cli(repo: Path) -> Iterator[RunCli]:
    """Invoke the real CLI against ``repo``; exceptions propagate (no hidden tracebacks)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--repo", str(repo), *args], input=input, catch_exceptions=False)

    yield run


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Run in parallel by default (``pytest`` = ``pytest -n auto``) when pytest-xdist is loaded.

    Done here rather than with ``-n auto`` in ``addopts`` so that ``-p no:xdist``
    (or ``-n 0``) still gives a plain serial run for debugging instead of
    failing on an unknown ``-n``.  Runs before xdist resolves ``auto``.
    """
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None and not config.option.usepdb:
        config.option.numprocesses = "auto"
