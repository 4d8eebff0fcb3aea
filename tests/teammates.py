"""A small team sharing one pipeline: a bare remote and clones with their own identities.

Everything is real git: ``git init --bare``, ``git clone``, ``git config`` in
each clone.  Helpers check the invariants every sync scenario must keep: no
conflict markers anywhere, and each edit either present or reported.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline_tui.core.model import get_dotted
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage.layout import Layout
from pipeline_tui.storage.store import Store
from pipeline_tui.sync.exchange import SyncResult, sync
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
