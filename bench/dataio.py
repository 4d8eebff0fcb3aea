"""Benchmark of import and export: ``python bench/dataio.py [--rows 10000,100000]``.

Writes a HubSpot deals export (the vendor's documented CSV: ``Record ID``,
``Deal Stage`` labels, ``Is Closed Won``, and a ``Date entered "<stage>
(Sales Pipeline)"`` column per stage, every date a full ``YYYY-MM-DD HH:MM``
timestamp), deterministic for a seed, and measures real ``pipeline``
processes on a freshly ``pipeline init``-ed (sharded) pipeline:

* ``pipeline import FILE --tz UTC`` with no other option (history by default:
  nearly every step lands at its own minute, so one commit per step, the
  worst case for git): at most 60 s at 10,000 rows, 600 s at 100,000;
* the result: ``list --json`` has one deal per row, the won and lost counts
  are the export's, and no commit is dated in the future (each a check that
  fails the run);
* the progress bar a terminal sees (stderr on a pseudo-terminal): its
  phases, when it first shows and the longest time it stands still;
* re-importing the same file (nothing changes, no commit): reported;
* ``pipeline export`` (CSV with stage entry dates from history): reported.

``--compare DIR`` also times the same import with the ``pipeline_tui``
package found in DIR (e.g. ``git archive main pipeline_tui | tar -x -C DIR``)
right after, so the ratio between two versions is measured in one run.
``--profile FILE`` runs the first size's import under cProfile (slower) and
writes its statistics there.  Every table ends with the load average.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import pty
import random
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from timing import Row, Run, deal_counts, load_note, print_table, run

PIPELINE = [sys.executable, "-m", "pipeline_tui"]
#: Stages of HubSpot's default "Sales Pipeline", in order.
OPEN = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
        "Decision Maker Bought-In", "Contract Sent")  # fmt: skip
WON, LOST = "Closed Won", "Closed Lost"
OWNERS = ("Alice Martin", "Bob Chen", "Carla Diaz", "Dev Patel", "Erin Walsh")
SOURCES = ("Organic Search", "Referrals", "Offline Sources", "Paid Search", "Direct Traffic")
REASONS = ("Price", "Competitor", "No budget", "Timing", "No response")
COMPANIES = ("Acme Corp", "Globex Inc", "Initech", "Umbrella", "Hooli", "Stark", "Wayne")
PRODUCTS = ("Platform", "Analytics", "Support plan", "Onboarding")
STAMP = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Export:
    """A written export and what importing it must give."""

    path: Path
    rows: int
    won: int
    lost: int


def _entered(stage: str) -> str:
    return f'Date entered "{stage} (Sales Pipeline)"'


def write_export(path: Path, rows: int, now: datetime, seed: int = 7) -> Export:
    """A HubSpot deals export of ``rows`` deals created over the two years before ``now``.

    Each deal walks the open stages in order for a random number of steps,
    then maybe closes; every step is at its own minute.  Open deals' close
    dates are expected closes and may be in the future (as in real exports).
    """
    rng = random.Random(seed)
    columns = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Currency",
               "Close Date", "Create Date", "Deal owner", "Deal probability",
               "Is Closed Won", "Is closed lost", "Closed Lost Reason",
               "Original Source Type", "Associated Company",
               *(_entered(s) for s in (*OPEN, WON, LOST))]  # fmt: skip
    won = lost = 0
    span = 700 * 24 * 60
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for number in range(rows):
            created = now - timedelta(days=730) + timedelta(minutes=rng.randrange(span))
            steps = [created]
            for _ in range(rng.randrange(len(OPEN))):
                steps.append(steps[-1] + timedelta(minutes=rng.randrange(60, 20 * 24 * 60)))
            outcome = rng.choice(("open", "open", WON, WON, LOST))
            closed = steps[-1] + timedelta(minutes=rng.randrange(60, 40 * 24 * 60))
            if closed > now:
                outcome = "open"
            won += outcome == WON
            lost += outcome == LOST
            stage = OPEN[len(steps) - 1] if outcome == "open" else outcome
            entered = {OPEN[i]: when.strftime(STAMP) for i, when in enumerate(steps)}
            if outcome != "open":
                entered[outcome] = closed.strftime(STAMP)
            writer.writerow([
                8_000_000_000 + number,
                f"{rng.choice(COMPANIES)} - {rng.choice(PRODUCTS)} {number}",
                stage, "Sales Pipeline", rng.randrange(1, 400) * 250, "USD",
                closed.strftime(STAMP), created.strftime(STAMP), rng.choice(OWNERS),
                {WON: "1", LOST: "0"}.get(outcome, "0.4"),
                str(outcome == WON).lower(), str(outcome == LOST).lower(),
                rng.choice(REASONS) if outcome == LOST else "",
                rng.choice(SOURCES), rng.choice(COMPANIES),
                *(entered.get(s, "") for s in (*OPEN, WON, LOST)),
            ])  # fmt: skip
    return Export(path, rows, won, lost)


def _env(package_dir: Path | None = None) -> dict[str, str]:
    """The environment of every ``pipeline`` run; ``package_dir`` shadows the installed package."""
    env = {k: v for k, v in os.environ.items() if k != "PIPELINE_REPO"}
    if package_dir is not None:
        env["PYTHONPATH"] = str(package_dir.resolve())
    return env


def fresh_pipeline(work: Path, name: str) -> Path:
    """A new pipeline as ``pipeline init`` makes it (the sharded layout)."""
    root = work / name
    if root.exists():
        shutil.rmtree(root)
    subprocess.run([*PIPELINE, "init", str(root)], check=True, capture_output=True, env=_env())
    return root


def _output(root: Path, *args: str) -> str:
    done = subprocess.run(
        [*PIPELINE, "--repo", str(root), *args], capture_output=True, text=True, env=_env()
    )
    if done.returncode != 0:
        raise RuntimeError(f"pipeline {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def _head(root: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def check_result(root: Path, export: Export, before: float) -> list[str]:
    """What is wrong with the imported pipeline (nothing: an empty list)."""
    deals = json.loads(_output(root, "list", "--json"))
    stages = [d.get("stage") for d in deals]
    wrong: list[str] = []
    if len(deals) != export.rows:
        wrong.append(f"list --json has {len(deals)} deals, the export {export.rows} rows")
    for name, want in (("won", export.won), ("lost", export.lost)):
        if stages.count(name) != want:
            wrong.append(f"{stages.count(name)} {name} deals, the export has {want}")
    dates = subprocess.run(
        ["git", "-C", str(root), "log", "--format=%at %ct"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    latest = max(int(d) for d in dates)
    if latest > time.time() + 1:
        wrong.append(f"a commit is dated in the future ({datetime.fromtimestamp(latest, UTC)})")
    commits = len(dates) // 2
    print(f"  {export.rows} rows: {commits} commits, {stages.count('won')} won, "
          f"{stages.count('lost')} lost, latest commit {datetime.fromtimestamp(latest, UTC)} "
          f"(import began {datetime.fromtimestamp(before, UTC)})")  # fmt: skip
    return wrong


@dataclass(frozen=True)
class Bar:
    """What a terminal showed on stderr: each phase's label, and when the bar moved."""

    phases: tuple[str, ...]
    first_s: float  # the first bar, after the process started
    longest_gap_s: float  # the longest stretch without a redraw, from the first bar to exit
    longest_after: str  # the redraw that stood still longest (its label and percent)


def run_on_terminal(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[Run, Bar]:
    """:func:`timing.run` with stderr on a pseudo-terminal, recording the progress bar."""
    leader, follower = pty.openpty()
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=follower)  # fmt: skip
    os.close(follower)
    redraws: list[tuple[float, str]] = []
    tail = ""
    while select.select([leader], [], [], 600)[0]:
        try:
            chunk = os.read(leader, 65536).decode("utf-8", "replace")
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        now = time.perf_counter() - start
        *done, tail = (tail + chunk).split("\r")
        redraws += [(now, part.removeprefix("\x1b[?25l")) for part in done if "  [" in part]
    os.close(leader)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {tail}")
    phases = tuple(dict.fromkeys(text.split("  [", 1)[0] for _t, text in redraws))
    times = [t for t, _text in redraws] + [wall]
    gaps = [b - a for a, b in itertools.pairwise(times)] or [wall]
    longest = max(range(len(gaps)), key=gaps.__getitem__)
    after = " ".join(redraws[longest][1].split()[:4]) if redraws else "-"
    bar = Bar(phases, times[0], gaps[longest], after)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), bar


def timed_import(
    export: Export, root: Path, work: Path, profile: Path | None, package_dir: Path | None
) -> Run:
    """Wall and CPU seconds (git's included), peak memory of ``pipeline import`` into ``root``.

    Raises if the result is wrong (only for this checkout's package: ``--compare``
    runs are timed, not checked).
    """
    command = ["--repo", str(root), "import", str(export.path), "--tz", "UTC"]
    runner = PIPELINE
    if profile is not None:
        runner = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "pipeline_tui"]
    started = time.time()
    timing, bar = run_on_terminal([*runner, *command], work, _env(package_dir))
    print(f"  progress bar: first after {bar.first_s:.1f} s, longest still "
          f"{bar.longest_gap_s:.1f} s (after {bar.longest_after!r}); "
          f"phases: {', '.join(bar.phases) or 'none'}")  # fmt: skip
    wrong = check_result(root, export, started) if package_dir is None else []
    if wrong:
        raise SystemExit(f"{export.rows} rows: " + "; ".join(wrong))
    return timing


def measure(
    rows: int, work: Path, profile: Path | None, reimport: bool, compare: Path | None
) -> list[Row]:
    """Every figure for one size; raises if the result is wrong."""
    label = f"{rows // 1000}k rows" if rows >= 1000 else f"{rows} rows"
    export = write_export(work / f"hubspot-{rows}.csv", rows, datetime.now(UTC).replace(second=0))
    root = fresh_pipeline(work, f"pipeline-{rows}")
    ours = timed_import(export, root, work, profile, None)
    seconds = ours.wall
    target = 60.0 if rows <= 10_000 else 600.0 * rows / 100_000
    figures = [Row(f"{label}: import with history (timestamps)", seconds, target),
               Row(f"{label}: import rows per second", rows / seconds, None, "/s"),
               Row(f"{label}: import CPU, python and git", ours.cpu),
               Row(f"{label}: import peak memory", ours.peak_mb, None, "MB")]  # fmt: skip
    if compare is not None:
        other = fresh_pipeline(work, f"pipeline-{rows}-compare")
        before = timed_import(export, other, work, None, compare)
        name = f"{label}: same import, {compare} (x: /ours)"
        figures += [
            Row(name, before.wall, None, "s", seconds),
            Row(f"{label}: its CPU, python and git", before.cpu, None, "s", ours.cpu),
            Row(f"{label}: its peak memory", before.peak_mb, None, "MB", ours.peak_mb),
        ]
    if reimport:
        head = _head(root)
        command = ["--repo", str(root), "import", str(export.path), "--tz", "UTC"]
        again = run([*PIPELINE, *command], work, _env()).wall
        if _head(root) != head:
            raise SystemExit(f"{label}: re-importing the same file made a commit")
        export_s = run([*PIPELINE, "--repo", str(root), "export", "-o", str(work / "out.csv")],
                       work, _env()).wall  # fmt: skip
        figures += [Row(f"{label}: re-import, nothing changed", again),
                    Row(f"{label}: export csv with stage dates", export_s)]  # fmt: skip
    print(f"  ({load_note()})")
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=deal_counts, default=[10_000], help="export sizes, e.g. 10000,100000"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--profile", type=Path, help="cProfile the first import into FILE")
    parser.add_argument(
        "--compare", type=Path, metavar="DIR", help="also time the pipeline_tui package in DIR"
    )
    parser.add_argument(
        "--no-reimport", action="store_true", help="skip the re-import and export figures"
    )
    args = parser.parse_args(argv)
    figures: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-dataio-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        for index, rows in enumerate(args.rows):
            profile = args.profile if index == 0 else None
            figures += measure(rows, work, profile, not args.no_reimport, args.compare)
    print_table(figures)
    sys.exit(0 if all(r.ok is not False for r in figures) else 1)


if __name__ == "__main__":
    main()
