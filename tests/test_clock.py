"""One clock for the whole program, frozen by PIPELINE_NOW or ``clock.frozen``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline_tui.core import clock
from tests.conftest import RunCli
from tests.gitutil import git


def test_now_is_aware_and_in_whole_seconds() -> None:
    moment = clock.now()
    assert moment.tzinfo is not None and moment.microsecond == 0
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


def test_environment_fixes_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, "2026-11-20T15:30:00")
    assert clock.now() == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    monkeypatch.setenv(clock.ENV, "soon")
    with pytest.raises(ValueError, match="PIPELINE_NOW"):
        clock.now()


def test_frozen_wins_inside_the_block_and_restores_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, "2026-01-01")
    east = timezone(timedelta(hours=8))
    with clock.frozen(datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=east)) as at:
        assert clock.now() == at == datetime(2026, 3, 4, 5, 6, 7, tzinfo=east)
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)


def test_commands_use_the_frozen_clock(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.ENV, "2026-05-01T09:00:00+00:00")
    created = run_cli("new", "Frozen deal", "--account", "ACME")
    assert created.exit_code == 0, created.stderr
    shown = json.loads(run_cli("show", created.stdout.strip(), "--json").stdout)
    assert shown["created"] == "2026-05-01T09:00:00+00:00"
    assert git(repo, "log", "-1", "--format=%aI").strip() == "2026-05-01T09:00:00+00:00"
