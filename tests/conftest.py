"""Shared fixtures: a pinned environment, real pipeline repos in temp dirs, the real CLI."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.environment import pin_environment, pin_import_time_environment

pin_import_time_environment()  # before the first pipeline_tui import (see tests/environment.py)

from pipeline_tui import i18n  # noqa: E402
from pipeline_tui.cli import cli  # noqa: E402
from pipeline_tui.storage.layout import LAYOUTS, Layout  # noqa: E402
from pipeline_tui.sync.setup import init_pipeline  # noqa: E402

RunCli = Callable[..., Result]


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


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test depends on the machine's locale or settings, or on another test's pipeline."""
    monkeypatch.setenv("LANG", "C.UTF-8")
    for var in ("LC_ALL", "LC_MESSAGES", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    i18n.user_language.cache_clear()  # HOME is this test's own
    yield
    i18n.user_language.cache_clear()
    i18n.set_language(None)
    i18n.set_pipeline_language(None)


@pytest.fixture
def layout(request: pytest.FixtureRequest) -> Layout:
    """The deal-file layout of ``repo``: flat, or each layout in a ``both_layouts`` module."""
    value: Layout = getattr(request, "param", "flat")
    return value


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests marked ``both_layouts`` (timeline, report, sync, undo) on every layout."""
    if "layout" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_layouts"):
        metafunc.parametrize("layout", LAYOUTS, indirect=True)


@pytest.fixture
def repo(tmp_path: Path, layout: Layout) -> Path:
    """A freshly initialized pipeline repository with the default config."""
    return init_pipeline(tmp_path / "deals", layout=layout)


@pytest.fixture
def run_cli(repo: Path) -> Iterator[RunCli]:
    """Invoke the real CLI against ``repo``; exceptions propagate (no hidden tracebacks)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--repo", str(repo), *args], input=input, catch_exceptions=False)

    yield run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``long`` first, the rest in their order (the sort is stable).

    pytest-xdist hands out tests in collection order: a storm of twenty clones
    collected last kept one worker busy for a minute or two after the other
    had run out of tests.
    """
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


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
