"""Shared fixtures: a fixed git identity, real pipeline repos in temp dirs, the real CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline_tui.cli import cli
from pipeline_tui.storage.layout import Layout
from pipeline_tui.sync.setup import init_pipeline

RunCli = Callable[..., Result]


@pytest.fixture(autouse=True)
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the machine's git config or on PIPELINE_REPO."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(home))
    for var in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_DATE",
        "PIPELINE_REPO",
        "PIPELINE_NOW",
        "GIT_DIR",
        "GIT_WORK_TREE",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def layout() -> Layout:
    """The deal-file layout of ``repo``; timeline, report and sync modules run both."""
    return "flat"


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
