"""The glance: the first files in path order, no further than a screenful needs.

Plain calls on a real pipeline folder (a copy of the dated sample); the
pilot tests of what the board shows meanwhile are in ``test_loading.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.tui.board import glance as glance_module
from pipeline_tui.tui.board.glance import first_files, glance


def names(root: Path, files: list[Path]) -> list[str]:
    return [f.relative_to(root / "opportunities").as_posix() for f in files]


def with_negotiation(deals: Path) -> Path:
    """The sample plus a deal in negotiation whose file sorts first (every open stage filled)."""
    source = (deals / "opportunities" / "initech-renewal.yaml").read_text(encoding="utf-8")
    text = source.replace("id: initech-renewal", "id: aaa-negotiation")
    text = text.replace("stage: proposal", "stage: negotiation")
    assert "stage: negotiation" in text and "id: aaa-negotiation" in text
    (deals / "opportunities" / "aaa-negotiation.yaml").write_text(text, encoding="utf-8")
    return deals


def test_first_files_walk_in_path_order_skipping_hidden_names_and_symlinks(deals: Path) -> None:
    folder = deals / "opportunities"
    (folder / "0b").mkdir()
    (folder / "0b" / "inner.yaml").write_text("id: inner\n", encoding="utf-8")
    (folder / "0a").mkdir()
    (folder / "0a" / "z.yaml").write_text("id: z\n", encoding="utf-8")
    (folder / "0a" / "notes.txt").write_text("not a deal\n", encoding="utf-8")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "h.yaml").write_text("id: h\n", encoding="utf-8")
    (folder / ".x.yaml").write_text("id: x\n", encoding="utf-8")
    (folder / "link.yaml").symlink_to(folder / "acme-rollout.yaml")
    assert names(deals, list(first_files(folder))) == [
        "0a/z.yaml",
        "0b/inner.yaml",
        "acme-rollout.yaml",
        "globex-pilot.yaml",
        "hooli-trial.yaml",
        "huawei-crm.yaml",
        "initech-renewal.yaml",
        "umbrella-deal.yaml",
    ]


def test_first_files_is_lazy_so_a_big_folder_is_not_listed_beyond_what_is_read(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = deals / "opportunities"
    for shard in ("00", "01", "02"):
        (folder / shard).mkdir()
        (folder / shard / f"deal-{shard}.yaml").write_text("id: x\n", encoding="utf-8")
    listed: list[str] = []
    scandir = os.scandir

    def counting(path: str | Path) -> object:
        listed.append(Path(path).name)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    walk = first_files(folder)
    assert Path(next(walk)).name == "deal-00.yaml"
    assert listed == ["opportunities", "00"]  # 01 and 02 not listed yet


def test_glance_stops_once_every_open_stage_has_its_rows(deals: Path) -> None:
    ws = Workspace(with_negotiation(deals))
    found = glance(ws.store, ws.config, rows=1)
    # negotiation, lead, lead, lost, qualified, proposal: every open stage has one card;
    # umbrella-deal (the last file) is never read
    assert [r.id for r in found] == [
        "aaa-negotiation",
        "acme-rollout",
        "globex-pilot",
        "hooli-trial",
        "huawei-crm",
        "initech-renewal",
    ]


def test_glance_reads_every_file_when_a_stage_stays_short(deals: Path) -> None:
    ws = Workspace(deals)  # nothing in negotiation: never enough, so the file limit decides
    assert len(glance(ws.store, ws.config, rows=1)) == 6


def test_glance_stops_at_its_file_limit_and_its_time_budget(
    deals: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(deals)
    monkeypatch.setattr(glance_module, "GLANCE_FILES", 2)
    assert [r.id for r in glance(ws.store, ws.config, rows=10)] == ["acme-rollout", "globex-pilot"]
    monkeypatch.setattr(glance_module, "GLANCE_FILES", 100)
    monkeypatch.setattr(glance_module, "GLANCE_S", -1.0)  # already over: the first file only
    assert [r.id for r in glance(ws.store, ws.config, rows=10)] == ["acme-rollout"]


def test_glance_leaves_out_invalid_files_and_reports_nothing(deals: Path) -> None:
    (deals / "opportunities" / "aaa-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    ws = Workspace(deals)
    found = glance(ws.store, ws.config, rows=10)
    assert [r.id for r in found][:2] == ["acme-rollout", "globex-pilot"]
    assert len(found) == 6


def test_glance_of_a_folder_that_is_not_there_is_empty(deals: Path) -> None:
    ws = Workspace(deals)
    for file in (deals / "opportunities").iterdir():
        file.unlink()
    (deals / "opportunities").rmdir()
    assert glance(ws.store, ws.config, rows=10) == ()
