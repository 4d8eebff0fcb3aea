"""Benchmark of the TUI with the pilot: ``python bench/tui.py [--deals N ...]``.

On a synthetic repository from :func:`synth.build_repo` (caches warmed by one
earlier launch), measures:

* board paint: from starting a fresh ``python`` process to the first frame
  with every column filled (imports, loading 10,000 files through the parse
  cache, building and painting the columns): at most 1.5 s at 10,000 deals;
* the CPU time the process used until then (the wall figure, minus waiting
  for a busy machine: compare the two when the load average is high);
* history ready: the same launch until days in stage are on the cards
  (reported only; the board is usable before);
* a move: ``shift+right`` on a card until its commit is made and both columns
  are repainted, the median of several moves: at most 0.3 s.

The app runs headless through ``App.run_test`` (the pilot), at 160x48.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

from synth import build_repo
from timing import PYTHON, Row, print_table, synth_args

TARGETS = {"paint": 1.5, "move": 0.3}
MOVES = 9  # moves measured per run (the median counts)

CHILD = r"""
import asyncio, sys, time
from pathlib import Path

async def main(root, mode, moves):
    from pipeline_tui.tui.app import PipelineApp
    from pipeline_tui.edits.workspace import Workspace
    app = PipelineApp(Workspace(Path(root)), poll_interval=0)
    async with app.run_test(size=(160, 48)) as pilot:
        board = None
        while board is None or not board.state.loaded:
            await asyncio.sleep(0.005)
            try:
                board = app.board
            except LookupError:
                pass
        await pilot.pause()
        print("painted", flush=True)
        print(f"paintcpu {time.process_time():.4f}", flush=True)
        while not board.state.history_loaded:
            await asyncio.sleep(0.01)
        await pilot.pause()
        print("history", flush=True)
        if mode != "move":
            return
        for _ in range(moves):
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
    config = state.config
    for record in state.pipeline.opportunities:
        target = config.next_open_stage(record.stage, 1)
        if target and not state.workspace.missing_for(record, target):
            return record, target
    raise SystemExit("no movable deal")

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def launch(root: Path, mode: str, moves: int = 0) -> dict[str, list[float]]:
    """Run the child; seconds from spawn to each milestone line it prints."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-c", CHILD, str(root), mode, str(moves)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    marks: dict[str, list[float]] = {}
    for line in proc.stdout:
        word, *rest = line.split()
        value = float(rest[0]) if rest else time.perf_counter() - start
        marks.setdefault(word, []).append(value)
    if proc.wait() != 0:
        raise RuntimeError(proc.stderr.read() if proc.stderr else "child failed")
    return marks


def measure(root: Path, deals: int, repeat: int, moves: int) -> list[Row]:
    label = f"{deals // 1000}k deals" if deals >= 1000 else f"{deals} deals"
    launch(root, "paint")  # warm the parse and history caches
    runs = [launch(root, "paint") for _ in range(repeat)]
    paint = min(r["painted"][0] for r in runs)
    paint_cpu = min(r["paintcpu"][0] for r in runs)
    history = min(r["history"][0] for r in runs)
    moved = launch(root, "move", moves)["move"]
    return [
        Row(f"{label}: TUI board painted, from launch (warm)", paint, TARGETS["paint"]),
        Row(f"{label}: TUI board painted, CPU seconds used", paint_cpu),
        Row(f"{label}: TUI days in stage shown, from launch", history),
        Row(
            f"{label}: TUI move a card (median of {moves})",
            statistics.median(moved),
            TARGETS["move"],
        ),
        Row(f"{label}: TUI move a card (slowest)", max(moved)),
    ]


def main() -> None:
    args = synth_args(__doc__.splitlines()[0], repeat=3)
    rows: list[Row] = []
    for deals in args.deals:
        root = build_repo(args.dir / f"synth-{deals}", deals)
        rows += measure(root, deals, args.repeat, MOVES)
    print_table(rows)


if __name__ == "__main__":
    main()
