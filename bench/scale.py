"""How pipeline-tui grows with the pipeline: ``python bench/scale.py [--deals 1000,10000]``.

On synthetic repositories in the sharded layout (:func:`synth.build_repo`,
about 3.1 commits per deal; ``--deals 1000,10000,100000`` opts in to the
largest), measures in one run, per size:

* the floor: ``git log -c --raw --no-renames`` over ``opportunities/`` piped
  into one ``git cat-file --batch`` that reads every blob the log names,
  timed together: reading the same history with git alone;
* cold ``pipeline list --json`` (``.git/pipeline-tui/`` removed first), and
  its ratio to the floor;
* warm ``list --json``, the ``list`` table and their ratio;
* one new commit (``pipeline log``), then ``list --json``;
* warm ``report --format json``;
* cold ``validate`` (caches removed);
* the peak memory of any ``pipeline`` process (max RSS, from ``wait4``);
* ``.git`` after ``git repack -ad``.

Then the growth exponent between consecutive sizes for each figure,
``log(f2/f1) / log(n2/n1)`` (1 = linear), and, with Taskwarrior installed
(the script tries ``apt-get install taskwarrior`` when it runs as root), warm
``task list`` over 10,000 tasks against warm ``pipeline list --json`` at
10,000 deals, timed one after the other.

``--cold-only`` measures just the floor and cold ``list --json`` (its CPU and
peak memory too), alternating them ``--repeat`` times: the cold build alone.

``--busy`` runs every size twice, the second time beside a process that keeps
one core busy, and reports both.  The machine may be shared: compare ratios
measured in the same run, and read the load average printed with them.
"""

from __future__ import annotations

import argparse
import ctypes
import itertools
import json
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from layout import repo_mb
from synth import build_repo
from timing import PIPELINE, PYTHON, Run, best, load_note, remove, run, sizes, synth_parser

ZERO = b"0" * 40
#: The history engine's own ``git log`` (pipeline_tui.git.log), minus ``-z``.
FLOOR_LOG = ("git", "log", "-c", "--raw", "--no-renames", "--no-abbrev", "--format=%H %aI %an")
TASKS = 10_000


@dataclass
class Figure:
    name: str
    unit: str
    values: dict[int, float] = field(default_factory=dict)  # deals -> measured


def floor_seconds(root: Path) -> float:
    """``git log --raw`` piped into ``git cat-file --batch`` of every blob it names."""
    start = time.perf_counter()
    log = subprocess.Popen(
        [*FLOOR_LOG, "--", "opportunities/"],
        cwd=root,
        stdout=subprocess.PIPE,
    )
    cat = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert log.stdout is not None and cat.stdin is not None and cat.stdout is not None
    drain = threading.Thread(target=_drain, args=(cat.stdout,))
    drain.start()
    seen: set[bytes] = set()
    for line in log.stdout:
        if line.startswith(b":"):
            blob = line.split(b"\t", 1)[0].split()[-2]  # the new side's id
            if blob != ZERO and blob not in seen:
                seen.add(blob)
                cat.stdin.write(blob + b"\n")
    cat.stdin.close()
    drain.join()
    if log.wait() != 0 or cat.wait() != 0:
        raise RuntimeError("git log / cat-file failed")
    return time.perf_counter() - start


def _drain(stream: IO[bytes]) -> None:
    """Read and drop everything cat-file answers (the floor only has to receive it)."""
    while stream.read(1 << 16):
        pass


def cold(cmd: list[str], root: Path, repeat: int) -> Run:
    """The best of ``repeat`` runs, each with every pipeline-tui cache removed first.

    Timed by :func:`run_tree`: a cold ``list --json`` prints and exits while
    its history process is still saving the cache, and that process's CPU,
    memory and end count too (the next run must not start beside it).
    """
    runs = []
    for _ in range(repeat):
        remove(root / ".git" / "pipeline-tui")
        runs.append(run_tree(cmd, root))
    return min(runs, key=lambda r: r.wall)


@dataclass
class TreeRun(Run):
    """A :class:`Run` plus the seconds until every process it started had ended."""

    tree_wall: float = 0.0


_PR_SET_CHILD_SUBREAPER = 36


def run_tree(cmd: Sequence[str], cwd: Path) -> TreeRun:
    """Run ``cmd`` once: its wall seconds, and the CPU and peak RSS of all it started.

    ``wall`` ends when ``cmd`` exits (a user's prompt is back then); the
    processes it leaves running (the history's second interpreter finishing
    the cache) are then waited for, as this process is made their "subreaper"
    (Linux: orphans come to it instead of to init), found by the process
    group ``cmd`` leads, and their usage (with the git they waited for) added.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        process_group=0,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {error}")
    cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    while True:
        try:
            _, _, left = os.wait4(-proc.pid, 0)  # any orphan of its process group
        except ChildProcessError:
            break
        cpu += left.ru_utime + left.ru_stime
        peak = max(peak, left.ru_maxrss)
    return TreeRun(wall, cpu, peak / 1024, time.perf_counter() - start)


def some_open_deal(root: Path) -> str:
    out = subprocess.run(
        [PIPELINE, "list", "--json", "--stage", "lead"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return str(json.loads(out)[0]["id"])


def after_commits(root: Path, times: int = 3) -> list[Run]:
    """``list --json`` right after each of ``times`` new commits (a note logged on an open deal)."""
    target = some_open_deal(root)
    afters = []
    for _ in range(times):
        subprocess.run(
            [PIPELINE, "log", target, "--kind", "note", "--note", "benchmark"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        afters.append(run([PIPELINE, "list", "--json"], root))
    return afters


def measure_cold(root: Path, repeat: int) -> dict[str, float]:
    """Only the floor and cold ``list --json`` (``--cold-only``): the cold build, quickly.

    The two are taken one right after the other, ``repeat`` times in turn,
    so a change in the machine's load hits both alike; the best of each counts.
    """
    floors: list[float] = []
    colds: list[Run] = []
    for _ in range(repeat):
        floors.append(floor_seconds(root))
        colds.append(cold([PIPELINE, "list", "--json"], root, 1))
    best_cold = min(colds, key=lambda r: r.wall)
    return {
        "floor": min(floors),
        "cold_list": best_cold.wall,
        "cold_x_floor": best_cold.wall / min(floors),
        "cold_cpu": best_cold.cpu,
        "cold_done": best_cold.tree_wall if isinstance(best_cold, TreeRun) else best_cold.wall,
        "peak_mb": max(r.peak_mb for r in colds),
    }


def print_cold(title: str, results: dict[int, dict[str, float]]) -> None:
    """The ``--cold-only`` table: a row per size."""
    print(f"\n{title}\n")
    print(
        "| deals | commits | floor | cold list --json | / floor | its CPU"
        " | all its processes done | peak memory |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for deals, got in sorted(results.items()):
        print(
            f"| {deals:,} | {got['commits']:,.0f} | {got['floor']:.2f} s | {got['cold_list']:.2f} s"
            f" | {got['cold_x_floor']:.2f}x | {got['cold_cpu']:.2f} s | {got['cold_done']:.2f} s"
            f" | {got['peak_mb']:.1f} MB |"
        )


def measure(root: Path, repeat: int) -> dict[str, float]:
    """Every figure on one repository; the repository is reset to its HEAD afterwards."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()
    list_json = [PIPELINE, "list", "--json"]
    figures: dict[str, float] = {}
    figures["floor"] = min(floor_seconds(root) for _ in range(repeat))
    cold_list = cold(list_json, root, repeat)
    figures["cold_list"] = cold_list.wall
    warm = best(list_json, root)
    table = best([PIPELINE, "list"], root)
    figures["warm_list"] = warm.wall
    figures["table"] = table.wall
    afters = after_commits(root)
    figures["after_commit"] = min(r.wall for r in afters)
    report_cmd = [PIPELINE, "report", "--format", "json"]
    run(report_cmd, root)
    report = best(report_cmd, root)
    figures["report"] = report.wall
    validate = cold([PIPELINE, "validate"], root, repeat)
    figures["validate"] = validate.wall
    runs = [cold_list, warm, table, *afters, report, validate]
    figures["peak_mb"] = max(r.peak_mb for r in runs)
    subprocess.run(["git", "reset", "--quiet", "--hard", head], cwd=root, check=True)
    run(list_json, root)  # leave warm caches for the next size or run
    figures["git_mb"] = repo_mb(root)
    return figures


NAMES = {
    "floor": ("floor: git log --raw + cat-file --batch", "s"),
    "cold_list": ("cold list --json", "s"),
    "cold_x_floor": ("cold list --json / floor", "x"),
    "warm_list": ("warm list --json", "s"),
    "table": ("warm list (table)", "s"),
    "table_x_json": ("list table / list --json", "x"),
    "after_commit": ("one new commit, then list --json", "s"),
    "report": ("warm report --format json", "s"),
    "validate": ("cold validate", "s"),
    "peak_mb": ("peak memory (max RSS of a pipeline process)", "MB"),
    "git_mb": (".git after git repack -ad", "MB"),
}
#: The figures that get a growth exponent (the ratios do not).
EXPONENTS = frozenset(NAMES) - {"cold_x_floor", "table_x_json"}


def with_ratios(figures: dict[str, float]) -> dict[str, float]:
    out = dict(figures)
    out["cold_x_floor"] = figures["cold_list"] / figures["floor"]
    out["table_x_json"] = figures["table"] / figures["warm_list"]
    return out


@contextmanager
def busy_core() -> Iterator[None]:
    """A process burning one core for the duration (ended by its own pid)."""
    burner = subprocess.Popen([PYTHON, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


def print_table(title: str, results: dict[int, dict[str, float]]) -> None:
    """One markdown table: a row per figure, a column per size, then growth exponents."""
    deals = sorted(results)
    pairs = list(itertools.pairwise(deals))
    head = [f"{n:,} deals" for n in deals] + [f"exponent {a:,}→{b:,}" for a, b in pairs]
    commits = {n: results[n]["commits"] for n in deals}
    print(f"\n{title}\n")
    print("| figure | " + " | ".join(head) + " |")
    print("|---|" + "---|" * len(head))
    cells = [f"{commits[n]:,.0f}" for n in deals] + [""] * len(pairs)
    print("| commits | " + " | ".join(cells) + " |")
    for key, (name, unit) in NAMES.items():
        cells = [_cell(results[n][key], unit) for n in deals]
        if key in EXPONENTS:
            cells += [
                f"{math.log(results[b][key] / results[a][key]) / math.log(b / a):.2f}"
                for a, b in pairs
            ]
        else:
            cells += [""] * len(pairs)
        print(f"| {name} | " + " | ".join(cells) + " |")


def _cell(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.2f} s"


def print_busy(quiet: dict[int, dict[str, float]], busy: dict[int, dict[str, float]]) -> None:
    """Busy / quiet per figure and size: what one busy core costs."""
    deals = sorted(quiet)
    print("\nOne core busy / quiet (same run)\n")
    print("| figure | " + " | ".join(f"{n:,} deals" for n in deals) + " |")
    print("|---|" + "---|" * len(deals))
    for key in ("floor", "cold_list", "warm_list", "after_commit", "report", "validate"):
        cells = [f"{busy[n][key] / quiet[n][key]:.2f}x" for n in deals]
        print(f"| {NAMES[key][0]} | " + " | ".join(cells) + " |")


# ------------------------------------------------------------------ Taskwarrior


def taskwarrior() -> str | None:
    """The ``task`` program, installed from Debian's packages if missing and we are root."""
    found = shutil.which("task")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    install = ["apt-get", "install", "-y", "-q", "taskwarrior"]
    if _quietly(install) != 0:  # the package lists may be missing or stale
        _quietly(["apt-get", "update", "-q"])
        _quietly(install)
    return shutil.which("task")


def _quietly(cmd: list[str]) -> int:
    done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode


def task_list_seconds(task: str, count: int) -> float:
    """Warm ``task list`` (best of 3) over ``count`` pending tasks in a fresh TASKDATA."""
    with tempfile.TemporaryDirectory(prefix="bench-task-") as folder:
        data = Path(folder)
        (data / "taskrc").write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\n")
        env = {**os.environ, "TASKRC": str(data / "taskrc"), "TASKDATA": str(data)}
        tasks = [
            {
                "description": f"Deal {n} follow up",
                "project": f"acct{n % 97}",
                "status": "pending",
                "entry": f"2025{1 + n % 12:02d}{1 + n % 28:02d}T090000Z",
                "uuid": f"00000000-0000-4000-8000-{n:012d}",
                "tags": ["deal"],
            }
            for n in range(count)
        ]
        source = data / "tasks.json"
        source.write_text("\n".join(json.dumps(t) for t in tasks) + "\n")
        subprocess.run(
            [task, "rc.confirmation=off", "import", str(source)],
            env=env,
            check=True,
            capture_output=True,
        )
        cmd = [task, "rc.confirmation=off", "list"]
        runs = [_timed(cmd, env) for _ in range(4)]  # the first is the cold one
        return min(runs[1:])


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def compare_taskwarrior(root: Path | None) -> None:
    if root is None:
        print("\nTaskwarrior: skipped (no 10,000-deal size in --deals)")
        return
    task = taskwarrior()
    if task is None:
        print("\nTaskwarrior: not installed and could not be installed; no comparison")
        return
    version = subprocess.run([task, "--version"], capture_output=True, text=True).stdout.strip()
    tw = task_list_seconds(task, TASKS)
    ours = best([PIPELINE, "list", "--json"], root).wall
    print(f"\nTaskwarrior {version}, warm, one after the other\n")
    print("| command | seconds |")
    print("|---|---|")
    print(f"| `task list`, {TASKS:,} pending tasks | {tw:.2f} s |")
    print(f"| `pipeline list --json`, 10,000 deals | {ours:.2f} s ({ours / tw:.2f}x task) |")


def main() -> None:
    parser = synth_parser(__doc__.splitlines()[0], repeat=1)
    parser.add_argument(
        "--busy", action="store_true", help="also measure beside a process burning one core"
    )
    parser.add_argument(
        "--record",
        type=Path,
        help="write the figures so far to this JSON file after each size (a long run keeps them)",
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="measure only the floor and cold list --json (with its CPU and peak memory)",
    )
    args = parser.parse_args()
    if args.cold_only:
        cold_only(args)
        return
    quiet: dict[int, dict[str, float]] = {}
    busy: dict[int, dict[str, float]] = {}
    roots: dict[int, Path] = {}
    for deals in sizes(args):
        roots[deals] = build_repo(args.dir / f"synth-sharded-{deals}", deals, layout="sharded")
        commits = subprocess.run(
            ["git", "rev-list", "--count", "HEAD"],
            cwd=roots[deals],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        quiet[deals] = {
            "commits": float(commits),
            **with_ratios(measure(roots[deals], args.repeat)),
        }
        print(f"  {deals} deals measured ({load_note()})", flush=True)
        if args.busy:
            with busy_core():
                busy[deals] = {"commits": quiet[deals]["commits"]}
                busy[deals] |= with_ratios(measure(roots[deals], args.repeat))
            print(f"  {deals} deals measured with one core busy ({load_note()})", flush=True)
        if args.record is not None:
            args.record.write_text(json.dumps({"quiet": quiet, "busy": busy}, indent=1))
    print_table("Sharded layout" + (", quiet" if args.busy else ""), quiet)
    if args.busy:
        print_table("Sharded layout, one core busy", busy)
        print_busy(quiet, busy)
    compare_taskwarrior(roots.get(10_000))
    print(f"\n({load_note()})")


def cold_only(args: argparse.Namespace) -> None:
    """``--cold-only``: the floor and cold ``list --json`` per size (and with ``--busy``)."""
    passes = [False, True] if args.busy else [False]
    for burning in passes:
        results: dict[int, dict[str, float]] = {}
        for deals in sizes(args):
            root = build_repo(args.dir / f"synth-sharded-{deals}", deals, layout="sharded")
            commits = subprocess.run(
                ["git", "rev-list", "--count", "HEAD"],
                cwd=root,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            with busy_core() if burning else nullcontext():
                results[deals] = {"commits": float(commits), **measure_cold(root, args.repeat)}
            run([PIPELINE, "list", "--json"], root)  # leave warm caches behind
        print_cold("Cold build, one core busy" if burning else "Cold build", results)
        print(f"\n({load_note()})")


if __name__ == "__main__":
    main()
