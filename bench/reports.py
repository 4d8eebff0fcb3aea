"""Benchmark of reports: ``python bench/reports.py [--deals N ...]``.

On the same synthetic repositories as ``bench/history.py`` (built once by
:func:`synth.build_repo`), with warm caches, measures:

* ``pipeline report --format json`` (every section): at most 1.5 s wall at
  10,000 deals, process start included;
* ``pipeline report --format json --as-of`` a past date (the pipeline rebuilt
  from history, never the work tree): at most 3 s wall at 10,000 deals.

CPU seconds are shown too: on a busy machine they say what the command
itself costs.  ``bench/history.py`` adds these rows to its own table through
:func:`measure`.
"""

from __future__ import annotations

from pathlib import Path

from synth import build_repo
from timing import PIPELINE, Row, best, print_table, run, synth_args

#: Half-way through the synthetic history (it runs 2024-11-01 .. 2026-11-01).
PAST = "2025-11-01"
TARGETS = {"report_json": 1.5, "report_as_of": 3.0}


def measure(root: Path, deals: int, repeat: int = 3) -> list[Row]:
    label = f"{deals // 1000}k deals" if deals >= 1000 else f"{deals} deals"
    gated = deals >= 10_000  # the targets are stated for the 10,000-deal repo
    report = [PIPELINE, "report", "--format", "json"]
    as_of = [*report, "--as-of", PAST]
    run(report, root)  # warm the history and parse caches
    now = best(report, root, repeat)
    past = best(as_of, root, repeat)
    return [
        Row(f"{label}: report --format json", now.wall, TARGETS["report_json"] if gated else None),
        Row(f"{label}: report --format json, CPU time", now.cpu),
        Row(
            f"{label}: report --format json --as-of {PAST}",
            past.wall,
            TARGETS["report_as_of"] if gated else None,
        ),
        Row(f"{label}: report --as-of, CPU time", past.cpu),
        Row(f"{label}: report --format json, peak memory", now.peak_mb, None, "MB"),
    ]


def main() -> None:
    args = synth_args(__doc__.splitlines()[0], repeat=3)
    rows: list[Row] = []
    for deals in args.deals:
        rows += measure(build_repo(args.dir / f"synth-{deals}", deals), deals, args.repeat)
    print_table(rows)


if __name__ == "__main__":
    main()
