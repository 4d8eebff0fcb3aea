"""How long `pipeline demo` takes to build the sample repo (target: under 5 s).

    .venv/bin/python bench/demo_materialize.py [RUNS]

Prints the wall time of each run of ``materialize`` on the bundled sample and
the best and median of them; the best is the figure to compare, since other
work on the machine only ever adds time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipeline_tui.demo import Event, load_events, materialize, sample_dir


def summary(events: list[Event]) -> str:
    deals = {e.target for e in events if e.op == "create"}
    authors = sorted({e.by for e in events})
    first, last = min(e.at for e in events), max(e.at for e in events)
    return (
        f"{len(events)} events on {len(deals)} opportunities by {', '.join(authors)}, "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    )


def main(runs: int) -> None:
    print(summary(load_events(sample_dir())))
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
            start = time.perf_counter()
            materialize(sample_dir(), Path(tmp) / "deals")
            times.append(time.perf_counter() - start)
        print(f"  {times[-1]:.2f} s")
    print(f"best {min(times):.2f} s, median {statistics.median(times):.2f} s over {runs} runs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
