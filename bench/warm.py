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

``--after-commit`` times only "one new commit, then ``list --json``" (and the
warm ``list --json`` beside it, with each one's CPU seconds and peak memory;
``--busy`` times it all again beside a busy core), at any size:
``--keep DIR`` clones into DIR once and reuses it (and its warm caches: a
cold build at 100,000 deals takes minutes), and ``--base CODE --base-keep
DIR2`` runs the same steps, interleaved, with the package found in folder
CODE (e.g. ``git archive main pipeline_tui | tar -x -C CODE``) on a clone of
its own, so a before and an after are measured in one run::

    python bench/warm.py --after-commit --source /tmp/pipeline-bench/synth-sharded-100000 \
        --keep /tmp/w/after --base /tmp/w/main-code --base-keep /tmp/w/before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scale import after_commits, busy_core, task_list_seconds, taskwarrior
from timing import PIPELINE, PYTHON, Run, best, load_note, run

SETTLE_SECONDS = 2.1  # storage/snapshot.SETTLE_NS, plus a margin
NOW = "2026-12-01T12:00:00+00:00"  # the clock pinned: both versions print the same days


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
    parser.add_argument(
        "--after-commit",
        action="store_true",
        help="time only one new commit then list --json (and warm list --json)",
    )
    parser.add_argument(
        "--keep", type=Path, help="with --after-commit: clone into this folder once, reuse it"
    )
    parser.add_argument(
        "--base", type=Path, help="with --after-commit: also time the package in this folder"
    )
    parser.add_argument("--base-keep", type=Path, help="the clone --base runs on (reused)")
    args = parser.parse_args()
    if (args.keep or args.base) and not args.after_commit:
        parser.error("--keep and --base go with --after-commit")
    if args.base is not None and args.base_keep is None:
        parser.error("--base needs --base-keep (each code keeps its own caches)")
    return args


@dataclass(frozen=True)
class Code:
    """One version of the program: how to start it, on which clone."""

    name: str
    command: list[str]
    env: dict[str, str] | None
    root: Path


def code_versions(args: argparse.Namespace, folder: Path) -> list[Code]:
    """This checkout's ``pipeline`` on ``--keep`` (or a temp clone), and ``--base`` if given."""
    env = {**os.environ, "PIPELINE_NOW": os.environ.get("PIPELINE_NOW", NOW)}
    after = Code("after", [PIPELINE], env, prepared(args.source, args.keep or folder / "after"))
    if args.base is None:
        return [after]
    base_env = {**env, "PYTHONPATH": str(args.base.resolve())}
    before = Code(
        "before", [PYTHON, "-m", "pipeline_tui"], base_env, prepared(args.source, args.base_keep)
    )
    return [before, after]


def prepared(source: Path, root: Path) -> Path:
    """A clone of ``source`` at ``root`` (made once; later runs reuse it and its caches)."""
    if not (root / ".git").is_dir():
        subprocess.run(["git", "clone", "-q", str(source), str(root)], check=True)
    return root


def after_commit(codes: list[Code], repeat: int) -> None:
    """Warm ``list --json``, then ``repeat`` times: one commit, ``list --json``; interleaved."""
    for code in codes:  # warm every cache, then let the files settle (the snapshot's rule)
        run([*code.command, "list", "--json"], code.root, code.env)
    time.sleep(SETTLE_SECONDS)
    warm: dict[str, list[Run]] = {code.name: [] for code in codes}
    afters: dict[str, list[Run]] = {code.name: [] for code in codes}
    for code in codes:
        run([*code.command, "list", "--json"], code.root, code.env)
    for _ in range(repeat):
        for code in codes:
            warm[code.name].append(run([*code.command, "list", "--json"], code.root, code.env))
    target = open_deal(codes[-1])
    for _ in range(repeat):
        for code in codes:
            note = [*code.command, "log", target, "--kind", "note", "--note", "benchmark"]
            run(note, code.root, code.env)
            afters[code.name].append(run([*code.command, "list", "--json"], code.root, code.env))
    deals = sum(1 for _ in (codes[-1].root / "opportunities").rglob("*.yaml"))
    print(
        f"\nOne new commit, then list --json ({deals:,} deals; {repeat} runs each, interleaved)\n"
    )
    print(
        "| code | warm list --json (best, median) | after one commit (best, median) "
        "| after / warm | after one commit, CPU (best) | peak RSS |"
    )
    print("|---|---|---|---|---|---|")
    for code in codes:
        w, a = warm[code.name], afters[code.name]
        peak = max(r.peak_mb for r in (*w, *a))
        print(
            f"| {code.name} | {_best(w):.2f} s, {_median(w):.2f} s | {_best(a):.2f} s, "
            f"{_median(a):.2f} s | {_best(a) / _best(w):.2f}x | {_cpu(a):.2f} s | {peak:.0f} MB |"
        )
    if len(codes) == 2:
        before, after = afters[codes[0].name], afters[codes[1].name]
        print(
            f"\nafter one commit, after / before: {_best(after) / _best(before):.2f}x (best wall), "
            f"{_cpu(after) / _cpu(before):.2f}x (best CPU)"
        )


def open_deal(code: Code) -> str:
    """A deal in its first stage, from the (warm, cheap) plain listing: no filtered full load."""
    out = subprocess.run(
        [*code.command, "list", "--json"],
        cwd=code.root,
        env=code.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    deals = json.loads(out)
    return str(next(d for d in deals if d["stage"] == deals[0]["stage"])["id"])


def _best(runs: list[Run]) -> float:
    return min(r.wall for r in runs)


def _cpu(runs: list[Run]) -> float:
    """The least CPU (user + system, the process and the children it waited for) of ``runs``."""
    return min(r.cpu for r in runs)


def _median(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


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
    if args.after_commit:
        with tempfile.TemporaryDirectory(prefix="bench-warm-") as folder:
            codes = code_versions(args, Path(folder))
            after_commit(codes, args.repeat)
            print(f"\n({load_note()})")
            if args.busy:
                with busy_core():
                    print("\nOne core busy:")
                    after_commit(codes, args.repeat)
                    print(f"\n({load_note()})")
        return
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
