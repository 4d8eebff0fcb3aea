"""A synthetic pipeline repository for benchmarks: N deals, ~3.7 commits per deal.

Built with ``git fast-import`` (seconds, not the hours real commits would take)
so every benchmark in ``bench/`` measures the same, realistic shape of history:
one file per deal, one commit per change, author dates spread over two years,
forward moves, some moves back, closes as won or lost, logged activities,
field edits and a few deleted deals.  Deterministic for a given ``seed``.

Reuse it from any benchmark script in this folder::

    from synth import build_repo
    root = build_repo(Path("/tmp/bench-10k"), deals=10_000, layout="sharded")

The result is a normal pipeline repo (``pipeline.yaml`` + ``opportunities/``)
with the work tree checked out, valid against the schemas.  ``layout`` places
the deal files: ``flat`` and ``sharded`` are the product's layouts
(:mod:`pipeline_tui.storage.layout`, recorded as ``layout:`` in
``pipeline.yaml``); ``month`` (``opportunities/YYYY/MM/<id>.yaml`` by creation
month) exists only so ``bench/layout.py`` can compare the two schemes on the
same history.  The history itself (ids, dates, texts) does not depend on the
layout, so the three repositories differ only in where the files sit.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

from pipeline_tui.storage.layout import relative_path

LAYOUTS: Final = ("flat", "sharded", "month")
START = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)
END = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
OWNERS = ("alice", "bob", "carol", "dev", "erin", "frank", "grace", "li-wei")
SOURCES = ("website", "referral", "event", "outbound", "partner")
LOST_REASONS = ("price", "competitor", "no-budget", "timing", "no-response")
INDUSTRIES = ("software", "retail", "manufacturing", "finance", "health", "logistics")
ACCOUNTS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")

CONFIG_TEXT = """\
# Synthetic pipeline for benchmarks (bench/synth.py).
stages:
  - {name: lead,        probability: 0.1,  max_days: 14}
  - {name: qualified,   probability: 0.25, max_days: 21, requires: [contact.email]}
  - {name: proposal,    probability: 0.5,  max_days: 21, requires: [amount, expected_close]}
  - {name: negotiation, probability: 0.75, max_days: 30}
  - {name: won,  probability: 1.0, terminal: true}
  - {name: lost, probability: 0.0, terminal: true}
currency: USD
first_contact_sla_hours: 24
stale_after_days: 14
sources: [website, referral, event, outbound, partner]
lost_reasons: [price, competitor, no-budget, timing, no-response]
profile_fields: [industry, size, budget, decision_maker, need]
team:
  alice: {manager: dana}
  bob: {manager: dana}
  carol: {manager: dana}
  dev: {manager: dana}
  erin: {manager: frank}
  frank: {}
  grace: {manager: frank}
  li-wei: {manager: frank}
  dana: {}
"""


@dataclass
class Deal:
    """One synthetic deal's current fields; ``render`` gives its YAML text."""

    id: str
    title: str
    account: str
    owner: str
    source: str
    created: datetime
    amount: int
    expected_close: date
    industry: str
    stage: str = "lead"
    lost_reason: str | None = None
    next_step: tuple[date, str] | None = None
    activities: list[tuple[datetime, str, str]] = field(default_factory=list)

    def render(self) -> str:
        lines = [
            f"id: {self.id}",
            f"title: {self.title}",
            f"account: {self.account}",
            f"stage: {self.stage}",
            f"amount: {self.amount}",
            "currency: USD",
            f"owner: {self.owner}",
            f"source: {self.source}",
            f"created: {self.created.isoformat()}",
            f"expected_close: {self.expected_close.isoformat()}",
        ]
        if self.next_step is not None:
            due, action = self.next_step
            lines.append(f"next_step: {{due: {due.isoformat()}, action: {action}}}")
        if self.lost_reason is not None:
            lines.append(f"lost_reason: {self.lost_reason}")
        lines.append(f"contact: {{name: Pat {self.id[-4:]}, email: pat@{self.id}.example}}")
        lines.append(f"profile: {{industry: {self.industry}, size: 50-200}}")
        if self.activities:
            lines.append("activities:")
            lines += [
                f"  - {{at: {at.isoformat()}, kind: {kind}, by: {self.owner}, note: {note}}}"
                for at, kind, note in self.activities
            ]
        return "\n".join(lines) + "\n"


@dataclass(order=True)
class Event:
    """One commit: at ``at``, ``author`` wrote ``text`` to the deal's file (None deletes)."""

    at: datetime
    order: int
    author: str = field(compare=False)
    deal_id: str = field(compare=False)
    created: datetime = field(compare=False)
    text: str | None = field(compare=False)
    message: str = field(compare=False)


def _events_for(deal: Deal, rng: random.Random, counter: list[int]) -> list[Event]:
    """The commits of one deal's life, in its own time order."""
    events: list[Event] = []

    def emit(at: datetime, message: str, text: str | None) -> None:
        counter[0] += 1
        events.append(
            Event(at, counter[0], deal.owner, deal.id, deal.created, text, f"{deal.id}: {message}")
        )

    emit(deal.created, "created in lead", deal.render())
    at = deal.created
    for _ in range(rng.choices((0, 1, 2, 3, 4, 5), (8, 12, 22, 28, 18, 12))[0]):
        at += timedelta(days=rng.uniform(0.2, 25), minutes=rng.randint(0, 600))
        at = at.replace(microsecond=0)
        if at >= END or deal.stage in ("won", "lost"):
            break
        kind = rng.random()
        index = OPEN_STAGES.index(deal.stage)
        if kind < 0.55:
            before = deal.stage
            if index == len(OPEN_STAGES) - 1 or (index >= 2 and rng.random() < 0.2):
                deal.stage = rng.choice(("won", "lost", OPEN_STAGES[index - 1]))
            else:
                deal.stage = OPEN_STAGES[index + 1]
            if deal.stage == "lost":
                deal.lost_reason = rng.choice(LOST_REASONS)
            emit(at, f"stage {before} -> {deal.stage}", deal.render())
        elif kind < 0.8:
            note = rng.choice(("intro call", "sent deck", "pricing questions", "demo booked"))
            deal.activities.append((at, rng.choice(("call", "email", "meeting")), note))
            emit(at, f"logged activity: {note}", deal.render())
        else:
            deal.amount = rng.randrange(5, 500) * 1000
            due = (at + timedelta(days=rng.randint(2, 20))).date()
            deal.next_step = (due, rng.choice(("follow up", "send contract", "call cfo")))
            emit(at, f"amount -> {deal.amount}", deal.render())
    if rng.random() < 0.01:
        emit(at + timedelta(days=rng.uniform(1, 30)), "deleted (duplicate)", None)
    return [e for e in events if e.at < END]


def _new_deal(number: int, rng: random.Random) -> Deal:
    created = START + timedelta(seconds=rng.uniform(0, (END - START).total_seconds() * 0.95))
    account = f"{rng.choice(ACCOUNTS)} {number % 997}"
    return Deal(
        id=f"deal-{number:05d}",
        title=f"Deal {number} for {account}",
        account=account,
        owner=rng.choice(OWNERS),
        source=rng.choice(SOURCES),
        created=created.replace(microsecond=0),
        amount=rng.randrange(5, 500) * 1000,
        expected_close=(created + timedelta(days=rng.randint(20, 120))).date(),
        industry=rng.choice(INDUSTRIES),
    )


def deal_path(event: Event, layout: str) -> str:
    """Where ``layout`` puts the file of the event's deal (POSIX path from the root)."""
    if layout == "month":
        return f"opportunities/{event.created:%Y/%m}/{event.deal_id}.yaml"
    return relative_path(event.deal_id, "sharded" if layout == "sharded" else "flat")


def config_text(layout: str) -> str:
    """``pipeline.yaml``: the product's layouts are named; ``month`` is left out (= flat).

    A month-bucketed repository still loads (files anywhere under
    ``opportunities/`` are read); only new files would go to the flat folder.
    """
    return CONFIG_TEXT if layout == "month" else f"{CONFIG_TEXT}layout: {layout}\n"


def history(deals: int, seed: int = 1) -> list[Event]:
    """Every commit of the synthetic history, oldest first (the same for any layout)."""
    rng = random.Random(seed)
    counter = [0]
    events: list[Event] = []
    for number in range(deals):
        events += _events_for(_new_deal(number, rng), rng, counter)
    events.sort()
    return events


def stream(events: list[Event], layout: str = "flat") -> bytes:
    """A ``git fast-import`` stream: the config commit, then one commit per event."""
    chunks: list[bytes] = []

    def commit(at: datetime, author: str, message: str, ops: list[bytes]) -> None:
        stamp = f"{author} <{author}@example.com> {int(at.timestamp())} +0000"
        body = message.encode()
        chunks.append(f"commit refs/heads/main\nauthor {stamp}\ncommitter {stamp}\n".encode())
        chunks.append(b"data %d\n%s\n" % (len(body), body))
        chunks.extend(ops)

    def modify(path: str, text: str) -> bytes:
        data = text.encode()
        return b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)

    commit(
        START - timedelta(days=1),
        "dana",
        "pipeline: initialize",
        [
            modify("pipeline.yaml", config_text(layout)),
            modify("opportunities/.gitkeep", ""),
        ],
    )
    for event in events:
        path = deal_path(event, layout)
        op = modify(path, event.text) if event.text is not None else f"D {path}\n".encode()
        commit(event.at, event.author, event.message, [op])
    chunks.append(b"done\n")
    return b"".join(chunks)


def fast_import(path: Path, data: bytes) -> float:
    """A new repository at ``path`` from a fast-import stream; seconds ``git fast-import`` took.

    The work tree is checked out afterwards (not counted in the time).
    """
    path.mkdir(parents=True, exist_ok=True)
    git = ["git", "-C", str(path)]
    subprocess.run([*git, "init", "--quiet", "--initial-branch=main"], check=True)
    start = time.perf_counter()
    subprocess.run([*git, "fast-import", "--quiet", "--done"], input=data, check=True)
    seconds = time.perf_counter() - start
    subprocess.run([*git, "reset", "--quiet", "--hard", "main"], check=True)
    return seconds


def build_repo(path: Path, deals: int, seed: int = 1, layout: str = "flat") -> Path:
    """Create (or reuse, if already built with the same arguments) a synthetic pipeline repo.

    Returns the repo root.  A marker file in ``.git/`` records ``deals``,
    ``seed`` and ``layout`` so a second call with the same arguments returns
    at once.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    marker = path / ".git" / "synth-built"
    wanted = f"deals={deals} seed={seed}" + ("" if layout == "flat" else f" layout={layout}")
    wanted += "\n"
    if marker.is_file() and marker.read_text() == wanted:
        return path
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} exists and is not a synthetic repo of {wanted.strip()}")
    fast_import(path, stream(history(deals, seed), layout))
    marker.write_text(wanted)
    return path


def main(argv: list[str] | None = None) -> None:
    """``python bench/synth.py DIR [--deals N] [--seed S] [--layout L]``: a repo to look at."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("dir", type=Path, help="folder to create (must be empty or absent)")
    parser.add_argument("--deals", type=int, default=1000, help="number of deals (1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--layout", choices=LAYOUTS, default="flat", help="where deal files go (flat)"
    )
    args = parser.parse_args(argv)
    root = build_repo(args.dir, args.deals, args.seed, args.layout)
    commits = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"{root}: {args.deals} deals, {commits} commits, {args.layout} layout")


if __name__ == "__main__":
    main()
