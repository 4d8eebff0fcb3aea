"""Where a warm report's time goes: ``python bench/report_sections.py --repo CLONE``.

On a clone whose caches are warm (``pipeline list --json`` run once; the
script does it first), measures in one run:

* the whole ``pipeline report --format json`` process: wall and CPU seconds
  (the process and the git processes it waited for) and peak memory;
* inside one process, in CPU seconds: reading the records (parse cache),
  reading the timelines (history cache), each section's metric and
  rounding (sections share their per-deal facts, so the first section to ask
  for a fact pays for it), and the JSON text.

CPU seconds say what the work costs on a machine shared with other jobs;
compare figures taken in the same run.  The script writes the repository's
caches (in its ``.git``): pass a clone, never a shared benchmark repository.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timing import PIPELINE, best, load_note, run


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
    return steps


def main() -> None:
    args = parse_args()
    root = args.repo.resolve()
    run([PIPELINE, "list", "--json"], root)  # warm the parse and history caches
    command = [PIPELINE, "report", "--format", "json"]
    run(command, root)
    whole = best(command, root, args.repeat)
    steps = in_process(root)
    print(f"{'step':<40} {'CPU s':>8}")
    print("-" * 49)
    for name, seconds in steps:
        print(f"{name:<40} {seconds:>8.3f}")
    sections = sum(s for name, s in steps if name.startswith("section "))
    print(f"{'all sections':<40} {sections:>8.3f}")
    print(
        f"\nwhole `pipeline report --format json`: {whole.wall:.2f} s wall, "
        f"{whole.cpu:.2f} s CPU, peak {whole.peak_mb:.0f} MB"
    )
    print(f"({load_note()})")


if __name__ == "__main__":
    main()
