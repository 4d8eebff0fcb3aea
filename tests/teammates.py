"""A small team sharing one pipeline: a bare remote and clones with their own identities.

Everything is real git: ``git init --bare``, ``git clone``, ``git config`` in
each clone.  Helpers check the invariants every sync scenario must keep: no
conflict markers anywhere, and each edit either present or reported.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline_tui.core.model import get_dotted
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage.layout import Layout
from pipeline_tui.storage.store import Store
from pipeline_tui.sync.exchange import sync
from pipeline_tui.sync.outcome import SyncResult
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.yaml.read import parse_fast
from tests.gitutil import deal_path

MARKERS = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)", re.MULTILINE)
DEAL = "acme-rollout"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


@dataclass
class Mate:
    """One teammate's clone."""

    name: str
    root: Path

    @property
    def ws(self) -> Workspace:
        return Workspace(self.root)

    def sync(self) -> SyncResult:
        return sync(self.root)

    def data(self, opp_id: str = DEAL) -> dict[str, Any]:
        loaded = parse_fast(deal_path(self.root, opp_id).read_text("utf-8"))
        assert isinstance(loaded, dict)
        return loaded

    def field(self, key: str, opp_id: str = DEAL) -> Any:
        return get_dotted(self.data(opp_id), key)

    def text(self, opp_id: str = DEAL) -> str:
        return deal_path(self.root, opp_id).read_text("utf-8")

    def has(self, opp_id: str) -> bool:
        return Store(self.root).opportunity_path(opp_id).is_file()

    def log(self, *args: str) -> str:
        return git(self.root, "log", *args)


def make_remote(base: Path) -> Path:
    remote = base / "remote.git"
    git(base, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    return remote


#: When the founder created the shared deal: fixed and in the past, so every
#: backdated event the tests record (``--at``) falls after it and before now.
DEAL_CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def founder(base: Path, remote_url: str, name: str = "Alice", layout: Layout = "flat") -> Mate:
    """The first teammate: creates the pipeline and one deal, and publishes them."""
    root = init_pipeline(base / name.lower(), layout=layout)
    git(root, "config", "user.name", name)
    git(root, "config", "user.email", f"{name.lower()}@example.com")
    git(root, "remote", "add", "origin", remote_url)
    ws = Workspace(root)
    ws.create(
        "CRM rollout",
        "ACME Corp",
        {"amount": 100000, "currency": "USD", "contact.email": "jane@acme.example"},
        opp_id=DEAL,
        at=DEAL_CREATED,
    )
    path = deal_path(root, DEAL)
    path.write_text("# Key account: handle with care\n" + path.read_text("utf-8"), "utf-8")
    git(root, "commit", "--quiet", "-am", f"{DEAL}: a comment for the team")
    sync(root)
    return Mate(name, root)


def join(base: Path, remote_url: str, name: str) -> Mate:
    """A teammate clones the pipeline and sets their own identity in the clone."""
    root = base / name.lower()
    git(base, "clone", "--quiet", remote_url, str(root))
    git(root, "config", "user.name", name)
    git(root, "config", "user.email", f"{name.lower()}@example.com")
    return Mate(name, root)


def no_markers(*mates: Mate) -> None:
    """No file in any clone holds git conflict markers."""
    for mate in mates:
        for path in mate.root.rglob("*"):
            if ".git" in path.parts or not path.is_file():
                continue
            text = path.read_text("utf-8", errors="replace")
            assert not MARKERS.search(text), f"conflict markers in {path}"


def problems_of(mate: Mate) -> list[str]:
    """``validate``'s errors in a clone, as strings."""
    pipeline = mate.ws.load()
    return [str(p) for p in pipeline.problems if p.severity == "error"]


# --------------------------------------------------------------------------- the storm


def storm_team(base: Path, remote_url: str, size: int) -> tuple[Mate, list[Mate]]:
    """The founder and ``size`` teammates, each with three unsent commits.

    Every teammate creates two deals of their own and logs a call on the
    shared deal: new files that never collide, plus one file everyone edits,
    which only the merge driver can combine.
    """
    alice = founder(base, remote_url)
    mates = [join(base, remote_url, f"Mate{number:02d}") for number in range(1, size + 1)]
    for mate in mates:
        ws = mate.ws
        for k in (1, 2):
            ws.create(f"{mate.name} deal {k}", f"{mate.name} Ltd", opp_id=storm_deal(mate, k))
        ws.log(DEAL, "call", f"{mate.name} called Jane")
    return alice, mates


def storm_deal(mate: Mate, k: int) -> str:
    return f"{mate.name.lower()}-deal-{k}"


@dataclass(frozen=True)
class Landed:
    """One ``pipeline sync --json`` process of a storm: exit code, its JSON, its stderr."""

    mate: Mate
    code: int
    report: dict[str, Any]
    stderr: str
    seconds: float  # from the start of the storm until this process ended


def storm(mates: Sequence[Mate], sync_timeout: float, deadline: float) -> list[Landed]:
    """All ``mates`` run ``python -m pipeline_tui sync --json`` at once, as real processes.

    Every process is started before any is waited on; each is killed if the
    whole storm outlives ``deadline`` seconds, so a hang fails instead of blocking.
    """
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    command = [sys.executable, "-m", "pipeline_tui", "sync", "--json"]
    command += ["--timeout", str(sync_timeout)]
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            command,
            cwd=mate.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mate in mates
    ]
    landed: list[Landed] = []
    try:
        for mate, proc in zip(mates, procs, strict=True):
            left = max(0.1, deadline - (time.monotonic() - start))
            out, err = proc.communicate(timeout=left)
            report = json.loads(out) if out.strip() else {}
            landed.append(Landed(mate, proc.returncode, report, err, time.monotonic() - start))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return landed


def storm_landed(base: Path, remote_url: str, alice: Mate, mates: Sequence[Mate]) -> None:
    """Every storm edit is on the remote, once; every clone is valid and free of markers."""
    remote = join(base, remote_url, "Checker")  # a fresh clone shows exactly what the remote has
    deals = sorted(o.id for o in remote.ws.load().opportunities)
    expected = sorted({DEAL} | {storm_deal(m, k) for m in mates for k in (1, 2)})
    assert deals == expected, f"the remote has {len(deals)} of {len(expected)} deals"
    notes = sorted(a["note"] for a in remote.field("activities"))
    assert notes == sorted(f"{m.name} called Jane" for m in mates)
    everyone = [alice, *mates, remote]
    for mate in everyone:
        assert problems_of(mate) == [], mate.name
    no_markers(*everyone)
