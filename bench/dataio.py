"""Benchmark of import and export: ``python bench/dataio.py [--rows N] [--repeat R]``.

Writes a synthetic CRM export (deterministic for a seed) and measures real
``pipeline`` processes on fresh pipelines:

* ``pipeline import FILE --history`` of 10,000 rows with date-only columns (the
  shape of real CRM exports): at most 60 s wall, process start included;
* the same with full timestamps (every step at a different instant, so one
  commit per step: the worst case for git): at most 60 s;
* a plain ``pipeline import`` (one commit): at most 60 s;
* re-importing the same file (nothing changes, nothing is written): reported;
* ``pipeline export`` (CSV with stage entry dates from history): reported.

Times are the best of ``--repeat`` runs, to see past other load on the machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from timing import Row, print_table, run

PIPELINE = [sys.executable, "-m", "pipeline_tui"]
START = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)
OPEN = ("lead", "qualified", "proposal", "negotiation")
OWNERS = ("alice", "bob", "carol", "dev", "erin")
SOURCES = ("website", "referral", "event", "outbound", "partner")
REASONS = ("price", "competitor", "no-budget", "timing", "no-response")
ACCOUNTS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")
PRODUCTS = ("Platform", "Analytics", "Support plan", "Onboarding")
IMPORT_ARGS = ("--extend-config", "--title", "{account} - {product}")


def write_export(path: Path, rows: int, timestamps: bool, seed: int = 7) -> None:
    """A CRM export: id, owner, account, product, stage, amount, created/engaged/closed."""
    rng = random.Random(seed)
    columns = ["Deal ID", "Owner", "Account", "Product", "Source", "Stage", "Amount",
               "Created", "Engage Date", "Close Date", "Lost Reason"]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for number in range(rows):
            created = START + timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
            engaged = created + timedelta(minutes=rng.randrange(60, 20 * 24 * 60))
            closed = engaged + timedelta(minutes=rng.randrange(60, 90 * 24 * 60))
            stage = rng.choice((*OPEN, "won", "won", "lost"))
            fmt = "%Y-%m-%dT%H:%M:%S+00:00" if timestamps else "%Y-%m-%d"
            terminal = stage in ("won", "lost")
            writer.writerow([
                f"D{number:06d}", rng.choice(OWNERS), rng.choice(ACCOUNTS),
                rng.choice(PRODUCTS), rng.choice(SOURCES), stage,
                rng.randrange(1, 200) * 500 if stage != "lead" else "",
                created.strftime(fmt),
                engaged.strftime(fmt) if stage != "lead" else "",
                closed.strftime(fmt) if terminal else "",
                rng.choice(REASONS) if stage == "lost" else "",
            ])  # fmt: skip


def timed(cmd: Sequence[str], cwd: Path) -> float:
    """Wall seconds of one real process (see :func:`timing.run`)."""
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    return run(cmd, cwd, env).wall


def fresh_pipeline(work: Path, name: str) -> Path:
    root = work / name
    if root.exists():
        shutil.rmtree(root)
    subprocess.run([*PIPELINE, "init", str(root)], check=True, capture_output=True)
    return root


def best_import(work: Path, source: Path, extra: Sequence[str], repeat: int) -> tuple[float, Path]:
    """Fastest of ``repeat`` imports, each into a new pipeline; the last pipeline is kept."""
    times = []
    root = work
    kind = "-".join(e.strip("-") for e in extra) or "plain"
    for attempt in range(repeat):
        root = fresh_pipeline(work, f"p-{source.stem}-{kind}-{attempt}")
        times.append(timed([*PIPELINE, "--repo", str(root), "import", str(source), *IMPORT_ARGS,
                            *extra], work))  # fmt: skip
    return min(times), root


def measure(rows: int, repeat: int, work: Path) -> list[Row]:
    label = f"{rows // 1000}k rows" if rows >= 1000 else f"{rows} rows"
    dates = work / "export-dates.csv"
    stamps = work / "export-timestamps.csv"
    write_export(dates, rows, timestamps=False)
    write_export(stamps, rows, timestamps=True)
    history_s, root = best_import(work, dates, ["--history"], repeat)
    stamps_s, _ = best_import(work, stamps, ["--history"], repeat)
    plain_s, _ = best_import(work, dates, ["--no-history"], repeat)
    again = [*PIPELINE, "--repo", str(root), "import", str(dates), *IMPORT_ARGS, "--history"]
    reimport_s = min(timed(again, work) for _ in range(repeat))
    export = [*PIPELINE, "--repo", str(root), "export", "-o", str(work / "out.csv")]
    export_s = min(timed(export, work) for _ in range(repeat))
    return [
        Row(f"{label}: import --history (dates)", history_s, 60.0),
        Row(f"{label}: import --history (timestamps)", stamps_s, 60.0),
        Row(f"{label}: import (one commit)", plain_s, 60.0),
        Row(f"{label}: re-import, nothing changed", reimport_s),
        Row(f"{label}: export csv with stage dates", export_s),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it.")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        rows = measure(args.rows, args.repeat, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-dataio-") as work:
            rows = measure(args.rows, args.repeat, Path(work))
    print_table(rows)
    sys.exit(0 if all(r.ok is not False for r in rows) else 1)


if __name__ == "__main__":
    main()
