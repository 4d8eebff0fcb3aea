"""Warm paths against Taskwarrior: ``python bench/warm.py [--source REPO] [--busy]``.

Clones a generated pipeline (default: the 10,000-deal sharded one that
``bench/scale.py`` builds under ``--dir``) into a temp folder, warms every
cache, waits until the files have settled (a snapshot is kept only for files
left alone for two seconds), then times in one run:

* warm ``pipeline list --json`` and the ``pipeline list`` table, and their ratio;
* warm ``task list`` over as many pending tasks (Taskwarrior from Debian's
  package; installed when the script runs as root), and our ratio to it;
* one new commit (``pipeline log``), then ``list --json`` (the snapshot misses);
* warm ``pipeline report --format json``.

``--busy`` repeats everything beside a process burning one core.  The
machine may be shared: read ratios measured in the same run, with the load
average printed beside them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from scale import after_commits, busy_core, task_list_seconds, taskwarrior
from timing import PIPELINE, best, load_note, run

SETTLE_SECONDS = 2.1  # storage/snapshot.SETTLE_NS, plus a margin


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pipeline-bench" / "synth-sharded-10000",
        help="the pipeline repository to clone (never changed itself)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (best counts)")
    parser.add_argument("--busy", action="store_true", help="also measure beside a busy core")
    parser.add_argument("--no-task", action="store_true", help="skip Taskwarrior")
    return parser.parse_args()


def settle(root: Path) -> None:
    """Warm every cache, then wait until a snapshot may be kept, and keep it."""
    for cmd in ([PIPELINE, "list", "--json"], [PIPELINE, "list"]):
        run(cmd, root)
    time.sleep(SETTLE_SECONDS)
    for cmd in ([PIPELINE, "list", "--json"], [PIPELINE, "list"]):
        run(cmd, root)


def measure(root: Path, task: str | None, deals: int, repeat: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    settle(root)
    figures["json"] = best([PIPELINE, "list", "--json"], root, repeat).wall
    figures["table"] = best([PIPELINE, "list"], root, repeat).wall
    if task is not None:
        figures["task"] = task_list_seconds(task, deals)
    figures["after_commit"] = min(r.wall for r in after_commits(root))
    report = [PIPELINE, "report", "--format", "json"]
    run(report, root)
    figures["report"] = best(report, root, repeat).wall
    figures["load"] = os.getloadavg()[0]
    return figures


def show(title: str, deals: int, figures: dict[str, float]) -> None:
    print(f"\n{title} ({deals:,} deals, 1-minute load {figures['load']:.1f})\n")
    print("| figure | seconds | ratio |")
    print("|---|---|---|")
    json_s, table_s = figures["json"], figures["table"]
    task_s = figures.get("task")
    vs_task = f"{json_s / task_s:.2f}x `task list`" if task_s else ""
    print(f"| warm `list --json` | {json_s:.3f} | {vs_task} |")
    print(f"| warm `list` table | {table_s:.3f} | {table_s / json_s:.2f}x `list --json` |")
    if task_s:
        print(f"| warm `task list`, {deals:,} tasks | {task_s:.3f} | |")
    print(f"| one new commit, then `list --json` | {figures['after_commit']:.3f} | |")
    print(f"| warm `report --format json` | {figures['report']:.3f} | |")


def main() -> None:
    args = parse_args()
    if not (args.source / "pipeline.yaml").is_file():
        raise SystemExit(f"{args.source}: no pipeline.yaml (build it with bench/scale.py)")
    task = None if args.no_task else taskwarrior()
    if task is None and not args.no_task:
        print("Taskwarrior is not installed and could not be installed: no comparison")
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as folder:
        root = Path(folder) / "pipeline"
        subprocess.run(["git", "clone", "-q", str(args.source), str(root)], check=True)
        deals = sum(1 for _ in (root / "opportunities").rglob("*.yaml"))
        show("Quiet", deals, measure(root, task, deals, args.repeat))
        if args.busy:
            with busy_core():
                show("One core busy", deals, measure(root, task, deals, args.repeat))
    print(f"\n({load_note()})")


if __name__ == "__main__":
    main()
