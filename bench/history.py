"""Benchmark of the history engine: ``python bench/history.py [--deals N ...]``.

Builds (once, then reuses) synthetic repositories with :func:`synth.build_repo`
and measures, against the same repository in the same run:

* plain ``git log --raw --no-renames -- opportunities/`` (the baseline);
* a cold history scan (no history cache; ``load_timelines`` from scratch):
  at most 1.3x git's time at 10,000 deals, peak memory at most 400 MB;
* a warm ``pipeline list --json`` (caches current): at most 0.8 s wall,
  process start included;
* ``pipeline list --json`` right after one new commit: at most 1.0 s wall.

Times are the best of a few runs, to see past other load on the machine.
Other benchmarks add rows with :class:`timing.Row` and :func:`timing.print_table`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from reports import measure as measure_reports
from synth import build_repo
from timing import PIPELINE, Row, best, print_table, python, remove, run, synth_args

SCAN = (
    "import sys; from pathlib import Path; "
    "from pipeline_tui.history import load_timelines; load_timelines(Path(sys.argv[1]))"
)
TARGETS = {"scan_x_git": 1.3, "warm_list": 0.8, "after_commit": 1.0, "peak_mb": 400.0}


def measure(root: Path, deals: int, repeat: int) -> list[Row]:
    label = f"{deals // 1000}k deals" if deals >= 1000 else f"{deals} deals"
    cache = root / ".git" / "pipeline-tui" / "history.pickle"
    git_log = ["git", "log", "--raw", "--no-renames", "--", "opportunities/"]
    list_json = [PIPELINE, "list", "--json"]
    run(list_json, root)  # make sure the parse cache is warm: a cold scan is about history

    git_runs, scans = [], []
    for _ in range(repeat):  # alternate, so both see the same machine
        git_runs.append(run(git_log, root))
        remove(cache)
        scans.append(run(python(SCAN, str(root)), root))
    git_s = min(r.wall for r in git_runs)
    scan = min(scans, key=lambda r: r.wall)
    peak = max(r.peak_mb for r in scans)

    run(list_json, root)  # history cache written, parse cache current
    warm = best(list_json, root, repeat=3)

    target = _some_open_deal(root)
    afters = []
    for _ in range(3):  # best of three: commit, then the first list after it
        subprocess.run(
            [PIPELINE, "log", target, "--kind", "note", "--note", "benchmark"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        afters.append(run(list_json, root))
    after = min(afters, key=lambda r: r.wall)

    scan_target = TARGETS["scan_x_git"] * git_s if deals >= 10_000 else None
    return [
        Row(f"{label}: git log --raw --no-renames (baseline)", git_s, None, "s", git_s),
        Row(f"{label}: cold history scan (no cache)", scan.wall, scan_target, "s", git_s),
        Row(f"{label}: cold history scan, CPU time", scan.cpu, None, "s"),
        Row(f"{label}: cold history scan, peak memory", peak, TARGETS["peak_mb"], "MB"),
        Row(f"{label}: warm pipeline list --json", warm.wall, TARGETS["warm_list"], "s", git_s),
        Row(f"{label}: warm pipeline list --json, CPU time", warm.cpu, None, "s"),
        Row(
            f"{label}: list --json after one new commit",
            after.wall,
            TARGETS["after_commit"],
            "s",
            git_s,
        ),
    ]


def _some_open_deal(root: Path) -> str:
    out = subprocess.run(
        [PIPELINE, "list", "--json", "--stage", "lead"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return str(json.loads(out)[0]["id"])


def main() -> None:
    args = synth_args(__doc__.splitlines()[0], repeat=2)
    rows: list[Row] = []
    for deals in args.deals:
        root = build_repo(args.dir / f"synth-{deals}", deals)
        rows += measure(root, deals, args.repeat)
        rows += measure_reports(root, deals, args.repeat)  # bench/reports.py
    print_table(rows)


if __name__ == "__main__":
    main()
