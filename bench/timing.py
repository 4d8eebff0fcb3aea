"""Shared helpers for the benchmark scripts in bench/: timing processes, one result table.

Every script measures real processes (``pipeline ...`` or ``python -c``) on a
repository from :mod:`synth`, collects :class:`Row` values and prints them
with :func:`print_table`, so all benchmarks read the same way::

    rows.append(Row("10k: warm pipeline list --json", best_wall(cmd, cwd=root), 0.8, "s"))
    print_table(rows, baseline=git_seconds)

A row passes when ``measured <= target``; ``x git`` is ``measured / baseline``
for time rows, so a reader sees at once how we compare with git itself.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable
PIPELINE = str(Path(PYTHON).with_name("pipeline"))


def as_installed() -> None:
    """Time ``pipeline`` as a user's install runs it: with its bytecode compiled.

    Why: ``pip install`` compiles a package's modules, but an editable
    checkout is compiled by each process that imports it unless Python may
    write ``__pycache__``; some shells (this project's sandbox among them)
    set ``PYTHONDONTWRITEBYTECODE``, and then every timed process, and each
    second process it starts, compiles pipeline-tui from source again (0.2-0.3 s
    of CPU each at a cold ``validate``).  So the variable is dropped for the
    processes timed here and the package is compiled once, before any timing.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import pipeline_tui

    compileall.compile_dir(Path(pipeline_tui.__file__).parent, quiet=1)


as_installed()


@dataclass
class Row:
    """One measured figure and the target it must meet (None: reported only)."""

    name: str
    measured: float
    target: float | None = None
    unit: str = "s"
    baseline: float | None = None  # seconds of git's own work, for the "x git" column

    @property
    def ok(self) -> bool | None:
        return None if self.target is None else self.measured <= self.target


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float


def run(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` once, output discarded: wall seconds, its CPU seconds, its peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        error = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {error}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best(cmd: Sequence[str], cwd: Path, repeat: int = 3) -> Run:
    """The fastest of ``repeat`` runs (the least disturbed by other load on the machine)."""
    return min((run(cmd, cwd) for _ in range(repeat)), key=lambda r: r.wall)


def python(code: str, *args: str) -> list[str]:
    """A ``python -c`` command running ``code`` with this interpreter."""
    return [PYTHON, "-c", code, *args]


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def print_table(rows: Sequence[Row]) -> None:
    """The result table: figure, measured, target, ratio to git, verdict."""
    header = f"{'measurement':<52} {'measured':>10} {'target':>10} {'x git':>7}  ok"
    print(header)
    print("-" * len(header))
    for row in rows:
        measured = f"{row.measured:.2f} {row.unit}"
        target = f"{row.target:.3g} {row.unit}" if row.target is not None else "-"
        ratio = f"{row.measured / row.baseline:.2f}" if row.baseline else ""
        verdict = {True: "yes", False: "NO", None: ""}[row.ok]
        print(f"{row.name:<52} {measured:>10} {target:>10} {ratio:>7}  {verdict}")
    print(f"\n({load_note()})")


def load_note() -> str:
    """The 1/5/15-minute load average and CPU count, for every result a script prints."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"load average during the run: {load}; {os.cpu_count()} CPUs"


def deal_counts(text: str) -> list[int]:
    """``--deals 1000,10000`` (commas, or several words): the pipeline sizes to build."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not counts or min(counts) <= 0:
        raise argparse.ArgumentTypeError(f"need positive deal counts, not {text!r}")
    return counts


def synth_parser(description: str, repeat: int) -> argparse.ArgumentParser:
    """The options every synthetic-repo benchmark takes: --deals, --repeat, --dir.

    A script with options of its own adds them to this parser, then reads the
    sizes with :func:`sizes`.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--deals",
        type=deal_counts,
        nargs="+",
        default=[[1000, 10_000]],
        help="pipeline sizes, e.g. 1000,10000 (default 1000,10000)",
    )
    parser.add_argument("--repeat", type=int, default=repeat, help="runs per figure (best counts)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pipeline-bench",
        help="where the synthetic repositories are built and kept",
    )
    return parser


def sizes(args: argparse.Namespace) -> list[int]:
    """The ``--deals`` sizes, flattened from however many words they came in."""
    return [count for group in args.deals for count in group]


def synth_args(description: str, repeat: int) -> argparse.Namespace:
    """Parsed :func:`synth_parser` options, ``deals`` flattened to a list of sizes."""
    args = synth_parser(description, repeat).parse_args()
    args.deals = sizes(args)
    return args
