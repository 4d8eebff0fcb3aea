"""How long `pipeline demo` takes to build the sample repo (target: under 5 s).

    .venv/bin/python bench/demo_materialize.py [RUNS]

Prints the wall time of each run of ``materialize`` on the bundled sample and
the best and median of them; the best is the figure to compare, since other
work on the machine only ever adds time.  Also prints the CPU time (this
process plus its git children), which a busy machine does not inflate.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipeline_tui.demo.build import Event, load_events, materialize, sample_dir


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
    times, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
            start, cpu = time.perf_counter(), cpu_seconds()
            materialize(sample_dir(), Path(tmp) / "deals")
            times.append(time.perf_counter() - start)
            cpus.append(cpu_seconds() - cpu)
        print(f"  {times[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU")
    print(
        f"best {min(times):.2f} s, median {statistics.median(times):.2f} s over {runs} runs "
        f"(CPU: best {min(cpus):.2f} s)"
    )


def cpu_seconds() -> float:
    """User + system time of this process and the git processes it waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
