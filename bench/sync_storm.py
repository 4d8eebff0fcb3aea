"""Benchmark of a sync storm: ``python bench/sync_storm.py [--clones N ...] [--repeat R]``.

For each N: one bare remote, N fresh clones, each creating two deals and
logging a call on one shared deal, then all N ``python -m pipeline_tui sync``
processes started at the same moment.  Measured: the wall time until the last
one has landed (every one must exit 0 in that single round), the attempts
they needed in all and at most, and the CPU seconds they spent.  Figures are
the best of ``--repeat`` storms, to see past other load on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from timing import Row, print_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the storm helpers in tests/

from tests.teammates import make_remote, storm, storm_landed, storm_team


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=int, nargs="+", default=[5, 10, 20], metavar="N")
    parser.add_argument("--repeat", type=int, default=1, help="storms per size (best counts)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="each sync's --timeout (seconds)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pipeline-bench-storm",
        help="where the remote and clones are built (emptied first)",
    )
    args = parser.parse_args()
    if args.repeat < 1 or min(args.clones) < 1:
        parser.error("--repeat and --clones must be at least 1")
    return args


def identity(work: Path) -> None:
    """A git identity of its own, so the benchmark never depends on the machine's config."""
    config = work / "gitconfig"
    config.write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    os.environ.pop("PIPELINE_REPO", None)


def one_storm(work: Path, clones: int, timeout: float) -> tuple[float, int, int, float]:
    """(seconds until all landed, attempts in all, most attempts of one, CPU seconds)."""
    base = work / f"storm-{clones}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    url = str(make_remote(base))
    alice, mates = storm_team(base, url, clones)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    landed = storm(mates, timeout, deadline=2 * timeout + 60)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    failed = [f"{r.mate.name}: {r.stderr.strip()}" for r in landed if r.code != 0]
    if failed:
        raise SystemExit("syncs failed in the storm:\n" + "\n".join(failed))
    storm_landed(base, url, alice, mates)
    attempts = [int(r.report["attempts"]) for r in landed]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, sum(attempts), max(attempts), cpu


def main() -> None:
    args = parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    identity(args.dir)
    rows: list[Row] = []
    for clones in args.clones:
        runs = [one_storm(args.dir, clones, args.timeout) for _ in range(args.repeat)]
        wall, total, most, cpu = min(runs)
        target = 60.0 if clones <= 20 else None  # the default budget of one sync
        rows.append(Row(f"{clones} clones: until all landed", wall, target, "s"))
        rows.append(Row(f"{clones} clones: attempts in all", total, None, ""))
        rows.append(Row(f"{clones} clones: most attempts of one sync", most, None, ""))
        rows.append(Row(f"{clones} clones: CPU of all syncs", cpu, None, "s"))
    print_table(rows)


if __name__ == "__main__":
    main()
