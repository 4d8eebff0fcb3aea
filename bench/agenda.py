"""Benchmark of the agenda: ``python bench/agenda.py [--deals N ...]``.

On a synthetic repository from :func:`synth.build_repo` (caches warmed by an
earlier run), measures:

* TUI agenda: on a board whose records and history are loaded, from pressing
  ``d`` to the agenda screen painted with everyone's agenda (the widest one;
  each day shows its first rows until asked for more): at most 1 s at 10,000
  deals, warm;
* the agenda computation alone (:func:`pipeline_tui.reports.metrics.agenda.agenda`);
* ``pipeline agenda --all --json``, warm, from launch (reported only).

The app runs headless through ``App.run_test`` (the pilot), at 160x48.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from synth import build_repo
from timing import PIPELINE, PYTHON, Row, best, print_table, synth_args

TARGETS = {"open": 1.0}

CHILD = r"""
import asyncio, sys, time
from pathlib import Path

async def main(root):
    from pipeline_tui.tui.app import PipelineApp
    from pipeline_tui.tui.agenda.screen import AgendaScreen
    from pipeline_tui.edits.workspace import Workspace
    from pipeline_tui.reports.metrics.agenda import agenda
    app = PipelineApp(Workspace(Path(root)), poll_interval=0, agenda=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while True:
            try:
                board = app.board
                if board.state.loaded and board.state.history_loaded:
                    break
            except LookupError:
                pass
            await asyncio.sleep(0.01)
        await pilot.pause()
        state = board.state
        start = time.perf_counter()
        agenda(state.pipeline, state.timelines or {}, app.clock())
        print(f"compute {time.perf_counter() - start:.4f}", flush=True)
        for _ in range(3):
            start = time.perf_counter()
            await pilot.press("d")
            while not isinstance(app.screen, AgendaScreen):
                await asyncio.sleep(0.001)
            await pilot.pause()  # the table painted
            print(f"open {time.perf_counter() - start:.4f}", flush=True)
            print(f"items {app.screen.total}", flush=True)
            await pilot.press("escape")
            await pilot.pause()

asyncio.run(main(sys.argv[1]))
"""


def launch(root: Path) -> dict[str, list[float]]:
    """Run the child; the figures it prints, by name."""
    out = subprocess.run(
        [PYTHON, "-c", CHILD, str(root)], capture_output=True, text=True, check=True
    ).stdout
    marks: dict[str, list[float]] = {}
    for line in out.splitlines():
        word, value = line.split()
        marks.setdefault(word, []).append(float(value))
    return marks


def measure(root: Path, deals: int, repeat: int) -> list[Row]:
    label = f"{deals // 1000}k deals" if deals >= 1000 else f"{deals} deals"
    launch(root)  # warm the parse and history caches
    runs = [launch(root) for _ in range(repeat)]
    opened = min(min(r["open"]) for r in runs)
    compute = min(min(r["compute"]) for r in runs)
    items = int(runs[0]["items"][0])
    cli = best([PIPELINE, "agenda", "--all", "--json"], root, repeat).wall
    return [
        Row(f"{label}: TUI agenda opened ({items} items, warm)", opened, TARGETS["open"]),
        Row(f"{label}: agenda computed", compute),
        Row(f"{label}: pipeline agenda --all --json (warm)", cli),
    ]


def main() -> None:
    args = synth_args(__doc__.splitlines()[0], repeat=3)
    rows: list[Row] = []
    for deals in args.deals:
        root = build_repo(args.dir / f"synth-{deals}", deals)
        rows += measure(root, deals, args.repeat)
    print_table(rows)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
