"""Benchmark of the TUI with the pilot: ``python bench/tui.py [--deals N ...] [--busy]``.

On the generator's sharded repositories (:func:`synth.build_repo`, kept in
``--dir``; each is ``git clone``\\ d into a private temporary folder first, so
the shared one is never touched), measures from starting a fresh ``python``
process, cold (``.git/pipeline-tui/`` removed: no parse cache, no history
cache, as after a ``git clone``) and warm (caches from an earlier launch):

* names: the first frame with every stage's name on its column;
* cards: the first frame with cards in the columns (the cards read so far;
  the header counts the files): at most 1.5 s at 10,000 deals, 2 s at 100,000;
* all cards: every file read, every column complete (counts and totals);
* days in stage: each deal's current stay read, days on the cards: at most 6 s;
* timelines: the whole history in (the deal screen's timeline, agenda, metrics);
* the CPU seconds the app's process used until days in stage, and until the
  timelines with its finished child processes (the history's second
  interpreter, which has ended by then, and every git it ran): on a machine
  shared with other jobs the wall figures stretch, these much less, so they
  compare two builds better;
* the CPU seconds the process used until the first cards (the wall figure
  minus waiting for a busy machine);
* a move (warm): ``shift+right`` on a card until its commit is made and both
  columns are repainted, the median of several moves: at most 0.3 s;
* the idle board (warm, ``--idle`` seconds, polling the disk once a second as
  ``pipeline tui`` does): the CPU seconds it uses per second.

The app runs headless through ``App.run_test`` (the pilot), at 160x48.  A
milestone counts at the first frame that shows it: each frame the compositor
renders is checked on the widgets as just rendered (the first line of every
open column: a card, not "reading…" or "(empty)"; the names in the borders).
Why not the pilot's ``pause()``: it also waits until the *process* is idle
(up to a second), which a loader thread never is, so it measured that wait.
A column saying "(empty)" before every file was read is reported (it reads as
lost deals).  ``--until cards`` stops the cold launches at the first cards
(100,000 deals: the rest takes minutes); warm launches and moves need the
default, timelines (every cache saved).  ``--busy`` runs every size again beside a process burning
one core.  The load average is printed with the table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from scale import busy_core
from synth import build_repo
from timing import PYTHON, Row, print_table, sizes, synth_parser

TARGETS = {"cards": 1.5, "days": 6.0, "move": 0.3}
#: Above 10,000 deals only the first paint has a target (issue 16: 2 s at 100,000).
LARGE_TARGETS = {"cards": 2.0}
MILESTONES = ("names", "cards", "complete", "days", "timelines")

CHILD = r"""
import asyncio, os, resource, sys, time
from pathlib import Path

PLACEHOLDERS = {"reading…", "(empty)"}

async def main(root, mode, moves, until_mark):
    from pipeline_tui.edits.workspace import Workspace
    from pipeline_tui.tui.head_start import head_start
    workspace = Workspace(Path(root))
    head_start(workspace)  # as `pipeline tui` does (cli/app.py), before Textual is imported
    from pipeline_tui.tui.app import PipelineApp
    # "idle" polls the disk as `pipeline tui` does (once a second); the others do not
    app = PipelineApp(workspace, poll_interval=1.0 if mode == "idle" else 0, agenda=False)
    seen = set()
    display = app._display  # called with each frame the compositor has just rendered

    def painted(screen, renderable):
        display(screen, renderable)
        if renderable is not None:
            frame(app, seen)

    app._display = painted
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: until_mark in seen)
        if mode == "move":
            for _ in range(moves):
                await move(app, app.board, pilot)
        if mode == "idle":  # the settled board left alone for `moves` seconds: what polling costs
            start = time.process_time()
            await asyncio.sleep(moves)
            print(f"idlecpu {(time.process_time() - start) / moves:.4f}", flush=True)
    sys.stdout.flush()
    os._exit(0)  # do not wait for a loader or history thread the run no longer needs

def frame(app, seen):
    # Which milestones this frame shows: judged on the widgets as just rendered.
    try:
        board = app.board
    except LookupError:
        return
    columns = [w for w in board.column_widgets.values() if not w.has_class("-collapsed")]
    if not columns:
        return
    firsts = [w.cards.render_line(0).text.strip() for w in columns]
    state = board.state
    names = all(w.border_title for w in columns)
    shown = {
        "names": names,
        "cards": names and any(line and line not in PLACEHOLDERS for line in firsts),
        "complete": state.loaded,
        "days": state.loaded and state.days_known,
        "timelines": state.history_loaded,
    }
    if not state.loaded and "(empty)" in firsts and "flash" not in seen:
        seen.add("flash")  # "(empty)" before every file was read: reads as lost deals
        print('#FLASH: a column said "(empty)" before every file was read', flush=True)
    for milestone, reached in shown.items():
        if reached and milestone not in seen:
            seen.add(milestone)
            print(milestone, flush=True)
            if milestone == "cards":
                print(f"cardscpu {time.process_time():.4f}", flush=True)
                print(f"#header at the first cards: {app.screen.sub_title}", flush=True)
            if milestone in ("days", "timelines"):
                children = resource.getrusage(resource.RUSAGE_CHILDREN)
                print(f"{milestone}cpu {time.process_time():.4f}", flush=True)
                used = children.ru_utime + children.ru_stime
                print(f"{milestone}childcpu {used:.4f}", flush=True)

async def until(condition):
    while not (found := condition()):
        await asyncio.sleep(0.005)
    return found

async def move(app, board, pilot):
    record, target = movable(board)
    board.show(board.state.select(record.stage, 0, record.id))
    await pilot.pause()
    start = time.perf_counter()
    await pilot.press("shift+right")
    await app.workers.wait_for_complete()  # the write runs in a worker
    await pilot.pause()
    elapsed = time.perf_counter() - start
    assert board.state.active_stage == target, (board.state.active_stage, target)
    print(f"move {elapsed:.4f}", flush=True)

def movable(board):
    state = board.state
    for record in state.pipeline.opportunities:
        target = state.config.next_open_stage(record.stage, 1)
        if target and not state.workspace.missing_for(record, target):
            return record, target
    raise SystemExit("no movable deal")

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
"""


def launch(
    root: Path, mode: str, moves: int = 0, until: str = MILESTONES[-1]
) -> dict[str, list[float]]:
    """Run the child until ``until``; seconds from spawn to each milestone line it prints.

    The child runs in a process group of its own, killed once it is done: a
    launch stopped at its first cards leaves the history's second process
    building on, and at 100,000 deals those would pile up and slow the
    launches after it.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-c", CHILD, str(root), mode, str(moves), until],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        return _milestones(proc, start)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _milestones(proc: subprocess.Popen[str], start: float) -> dict[str, list[float]]:
    assert proc.stdout is not None
    marks: dict[str, list[float]] = {}
    for line in proc.stdout:
        if line.startswith("#"):  # a note, e.g. what the header said at the first cards
            print(f"    {line[1:].rstrip()}", flush=True)
            continue
        word, *rest = line.split()
        value = float(rest[0]) if rest else time.perf_counter() - start
        marks.setdefault(word, []).append(value)
    if proc.wait() != 0:
        raise RuntimeError(proc.stderr.read() if proc.stderr else "child failed")
    return marks


def cold(root: Path, until: str) -> dict[str, list[float]]:
    """One launch as after a fresh clone: no parse cache, no history cache."""
    shutil.rmtree(root / ".git" / "pipeline-tui", ignore_errors=True)
    return launch(root, "paint", until=until)


def measure(root: Path, deals: int, args: argparse.Namespace, note: str) -> list[Row]:
    """Cold launches, then (when they ran until days, so every cache is there) warm ones."""
    label = f"{deals // 1000}k deals" if deals >= 1000 else f"{deals} deals"
    reached = MILESTONES[: MILESTONES.index(args.until) + 1]
    runs = {"cold": [cold(root, args.until) for _ in range(args.repeat)]}
    if args.until == MILESTONES[-1]:  # caches from the last cold run
        runs["warm"] = [launch(root, "paint") for _ in range(args.repeat)]
    rows: list[Row] = []
    for kind, launches in runs.items():
        for milestone in reached:
            targets = TARGETS if deals <= 10_000 else LARGE_TARGETS
            target = targets.get(milestone) if kind == "cold" else None
            seconds = min(r[milestone][0] for r in launches)
            rows.append(Row(f"{label}{note}: {kind} {milestone}", seconds, target))
        cpu = min(r["cardscpu"][0] for r in launches)
        rows.append(Row(f"{label}{note}: {kind} CPU s until cards", cpu))
        if "dayscpu" in launches[0]:
            app_cpu = min(r["dayscpu"][0] for r in launches)
            rows.append(Row(f"{label}{note}: {kind} CPU s until days (app)", app_cpu))
        if "timelinescpu" in launches[0]:  # by then the history's process has ended
            every = min(r["timelinescpu"][0] + r["timelineschildcpu"][0] for r in launches)
            rows.append(Row(f"{label}{note}: {kind} CPU s until timelines (app + children)", every))
    if "warm" in runs and args.moves:
        moved = launch(root, "move", args.moves)["move"]
        median = statistics.median(moved)
        rows.append(Row(f"{label}{note}: move (median of {args.moves})", median, 0.3))
    if "warm" in runs and args.idle:
        idle = launch(root, "idle", args.idle)["idlecpu"][0]
        rows.append(Row(f"{label}{note}: idle board, CPU s per s (polling)", idle))
    return rows


def private_clone(shared: Path, into: Path) -> Path:
    """A clone of a shared benchmark repository that this run may change freely."""
    target = into / shared.name
    subprocess.run(["git", "clone", "-q", str(shared), str(target)], check=True)
    return target


def main() -> None:
    parser = synth_parser(__doc__.splitlines()[0], repeat=1)
    parser.add_argument(
        "--busy", action="store_true", help="also measure beside a process burning one core"
    )
    parser.add_argument("--moves", type=int, default=5, help="moves measured per size (median)")
    parser.add_argument(
        "--idle",
        type=int,
        default=10,
        help="seconds the settled board is left polling alone to measure its CPU (0: skip)",
    )
    parser.add_argument(
        "--until",
        choices=MILESTONES[1:],
        default=MILESTONES[-1],
        help="stop each cold launch there (e.g. cards at 100,000 deals); "
        "warm launches and moves need timelines (the default)",
    )
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as scratch:
        for deals in sizes(args):
            shared = build_repo(args.dir / f"synth-sharded-{deals}", deals, layout="sharded")
            root = private_clone(shared, Path(scratch))
            rows += measure(root, deals, args, "")
            if args.busy:
                with busy_core():
                    rows += measure(root, deals, args, " busy")
    print_table(rows)


if __name__ == "__main__":
    main()
