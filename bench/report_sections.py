"""Where a warm report's time goes: ``python bench/report_sections.py --repo CLONE``.

On a clone whose caches are warm (``pipeline list --json`` run once; the
script does it first), measures in one run:

* the whole ``pipeline report --format json`` and ``pipeline report`` (the
  table) processes: wall and CPU seconds (the process and the processes it
  waited for: git, the child computing some sections) and peak memory,
  served from the kept report (``reports/kept.py``: the repeated report, once
  the clock is past the data) and computed without it (the kept report
  removed before each run: the report after a commit or an edit);
* inside one process, in CPU seconds: reading the records (parse cache),
  reading the timelines (history cache), each section's metric and
  rounding, one after the other in one process (sections share their
  per-deal facts, so the first section to ask for a fact pays for it), and
  the JSON text;
* all sections as ``pipeline report`` computes them (a large report computes
  some of them in a forked child, ``reports.build.OFFLOADED``) against all of
  them in this process alone: wall seconds, and the CPU seconds of both
  processes.

CPU seconds say what the work costs on a machine shared with other jobs;
compare figures taken in the same run.  The script writes the repository's
caches (in its ``.git``): pass a clone, never a shared benchmark repository.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timing import PIPELINE, Run, best, load_note, run


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repo", type=Path, required=True, help="a clone of a generated pipeline (caches written)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="process runs (the fastest counts)")
    return parser.parse_args()


def cpu(work: Callable[[], Any]) -> tuple[Any, float]:
    """``work()`` and the CPU seconds it took in this process."""
    start = time.process_time()
    value = work()
    return value, time.process_time() - start


def in_process(root: Path) -> list[tuple[str, float]]:
    """CPU seconds of each step of a report, as ``report_command`` runs them."""
    from pipeline_tui.core.clock import now
    from pipeline_tui.edits.workspace import Workspace
    from pipeline_tui.history import load_timelines
    from pipeline_tui.reports.build import rounded
    from pipeline_tui.reports.metrics.lifecycle import shared_facts
    from pipeline_tui.reports.metrics.window import Window
    from pipeline_tui.reports.sections import SECTIONS
    from pipeline_tui.tabular import to_json

    gc.disable()  # as the command loads (cli/report.py: long_lived_objects)
    pipeline, records = cpu(Workspace(root).load)
    current = now()
    timelines, history = cpu(lambda: load_timelines(root, now=current, pipeline=pipeline))
    gc.freeze()
    gc.enable()
    steps = [("read records (parse cache)", records), ("read timelines (history cache)", history)]
    report: dict[str, Any] = {}
    window = Window()
    with shared_facts():
        for section in SECTIONS:
            metric = section.metric()
            start = time.process_time()
            report[section.key] = rounded(metric(pipeline, timelines, window, current))
            steps.append((f"section {section.name}", time.process_time() - start))
    steps.append(("JSON text", cpu(lambda: to_json(report))[1]))
    steps.extend(split_or_alone(pipeline, timelines, current))
    return steps


def split_or_alone(pipeline: Any, timelines: Any, current: Any) -> list[tuple[str, float]]:
    """Wall and CPU seconds (children too) of all sections: split as the command does, and alone."""
    from pipeline_tui.cli.report import offload_sections
    from pipeline_tui.reports.build import build_report
    from pipeline_tui.reports.metrics.window import Window

    found: list[tuple[str, float]] = []
    for name, offload in (("split", offload_sections), ("alone", None)):
        wall = time.perf_counter()
        start = os.times()
        build_report(pipeline, timelines, Window(), current, offload=offload)
        end = os.times()
        used = sum(end[:4]) - sum(start[:4])  # user + system, this process and its children
        found += [(f"all sections, {name}: wall", time.perf_counter() - wall)]
        found += [(f"all sections, {name}: CPU (with child)", used)]
    return found


def computed_anew(command: list[str], root: Path, repeat: int) -> Run:
    """The fastest of ``repeat`` runs of ``command``, each without a kept report to serve it."""
    kept = root / ".git" / "pipeline-tui" / "snapshot-report.pickle"
    runs = []
    for _ in range(repeat):
        kept.unlink(missing_ok=True)
        runs.append(run(command, root))
    return min(runs, key=lambda r: r.wall)


def main() -> None:
    args = parse_args()
    root = args.repo.resolve()
    run([PIPELINE, "list", "--json"], root)  # warm the parse and history caches
    command = [PIPELINE, "report", "--format", "json"]
    run(command, root)  # computes and keeps the report
    whole = best(command, root, args.repeat)
    table = best([PIPELINE, "report"], root, args.repeat)
    computed = [computed_anew(cmd, root, args.repeat) for cmd in (command, [PIPELINE, "report"])]
    steps = in_process(root)
    print(f"{'step (CPU s unless named)':<40} {'s':>8}")
    print("-" * 49)
    for name, seconds in steps:
        print(f"{name:<40} {seconds:>8.3f}")
    sections = sum(s for name, s in steps if name.startswith("section "))
    print(f"{'all sections, one after the other':<40} {sections:>8.3f}")
    figures = (
        (" --format json`, kept", whole),
        ("` (table), kept", table),
        (" --format json`, computed", computed[0]),
        ("` (table), computed", computed[1]),
    )
    for name, figure in figures:
        print(
            f"whole `pipeline report{name}: {figure.wall:.2f} s wall, "
            f"{figure.cpu:.2f} s CPU, peak {figure.peak_mb:.0f} MB"
        )
    print(f"({load_note()})")


if __name__ == "__main__":
    main()
