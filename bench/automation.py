"""Benchmark of automation: ``python bench/automation.py [--deals N ...] [--repeat R]``.

On a clone of the synthetic repositories of ``bench/history.py`` (so the
shared one is never changed), with rules added to ``pipeline.yaml``:

* ``pipeline automate run --dry-run`` over every deal, warm caches: at most
  3 s wall at 10,000 deals, process start included (every open deal is
  evaluated against every time rule and the firing ones are planned);
* ``pipeline automate run`` when nothing is due (the steady state of a cron
  job: evaluate everything, commit nothing): reported;
* the added cost of event rules per write, timed inside the write around
  the rules (``Workspace.log`` with rules evaluated that do not fire): at
  most 50 ms;
* the same when a rule fires: deciding and planning (``EventRules.after_change``)
  at most 50 ms; with its follow-up commit (one more commit): reported.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from synth import build_repo
from timing import PIPELINE, Row, best, print_table, run, synth_args

from pipeline_tui.automation.engine import install
from pipeline_tui.edits.workspace import Workspace

TARGETS = {"run": 3.0, "per_write": 0.050}
TIME_RULES = """
automations:
  - name: quiet
    trigger: {no_activity: {working_days: 3}}
    when: {amount: {gte: 1}}
    actions:
      - tag: quiet
      - notify: {to: ["webhook:http://127.0.0.1:9/never-sent-in-a-dry-run"]}
  - name: overdue
    trigger: {next_step_overdue: {days: 2}}
    actions:
      - next_step: {action: Call back, due: +1 working days}
  - name: closing soon
    trigger: {before_close: {days: 7}}
    when: {tags: {has: never-there}}
    actions:
      - tag: closing
"""
EVENT_RULES = """
automations:
  - name: on proposal
    trigger: {entered: proposal}
    actions:
      - next_step: {action: Send proposal, due: +2 working days}
  - name: big
    trigger: {changed: amount}
    when: {amount: {gte: 100000000}}
    actions:
      - tag: big
  - name: noted
    trigger: {changed: notes}
    actions:
      - next_step: {action: "Answer: {notes}", due: +1d}
"""


def clone(source: Path, target: Path, rules: str) -> Path:
    if not target.exists():
        subprocess.run(["git", "clone", "--quiet", str(source), str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "remote", "remove", "origin"], check=True)
        config = target / "pipeline.yaml"
        config.write_text(config.read_text("utf-8") + rules, "utf-8")
        git = ["git", "-C", str(target), "-c", "user.name=Bench", "-c", "user.email=b@example.com"]
        subprocess.run([*git, "commit", "--quiet", "-am", "rules"], check=True)
    return target


def per_write(root: Path, writes: int, *, firing: bool) -> tuple[float, float, float]:
    """Median seconds of one write, of the event rules' part of it, and of their deciding.

    The rules' part is measured around ``Workspace.run_event_rules`` (which
    includes a firing rule's follow-up commit), so other load on the machine
    slowing the write itself does not blur it; their deciding is
    ``EventRules.after_change`` alone (which rules fire and what they plan,
    without committing it).
    """
    ws = Workspace(root, "Bench")
    install(ws)
    spent: list[float] = []
    deciding: list[float] = []
    run_rules = ws.run_event_rules
    (rules,) = ws.automations
    after_change = rules.after_change

    def timed_rules(*args: Any) -> None:
        start = time.perf_counter()
        run_rules(*args)
        spent.append(time.perf_counter() - start)

    def timed_deciding(*args: Any) -> Any:
        start = time.perf_counter()
        follow_ups = after_change(*args)
        deciding.append(time.perf_counter() - start)
        return follow_ups

    ws.run_event_rules = timed_rules  # type: ignore[method-assign,assignment]
    rules.after_change = timed_deciding  # type: ignore[method-assign,assignment]
    opp_id = next(r.id for r in ws.load().opportunities if ws.config.is_open(r.stage))
    totals = []
    for number in range(writes):
        start = time.perf_counter()
        if firing:
            ws.set_fields(opp_id, {"notes": f"bench note {number}"})
        else:
            ws.log(opp_id, "call", f"bench call {number}")
        totals.append(time.perf_counter() - start)
    return statistics.median(totals), statistics.median(spent), statistics.median(deciding)


def measure(source: Path, deals: int, repeat: int, work: Path) -> list[Row]:
    label = f"{deals // 1000}k deals" if deals >= 1000 else f"{deals} deals"
    gated = deals >= 10_000
    timed = clone(source, work / f"automation-time-{deals}", TIME_RULES)
    dry = [PIPELINE, "automate", "run", "--dry-run", "--json"]
    run(dry, timed)  # warm the parse and history caches
    planned = best(dry, timed, repeat)
    steady_root = clone(
        source,
        work / f"automation-steady-{deals}",
        TIME_RULES.replace("{amount: {gte: 1}}", "{tags: {has: never-there}}").replace(
            "trigger: {next_step_overdue: {days: 2}}",
            "trigger: {next_step_overdue: {days: 2}}\n    when: {tags: {has: never-there}}",
        ),
    )
    steady_cmd = [PIPELINE, "automate", "run", "--no-sync"]
    run(steady_cmd, steady_root)
    steady = best(steady_cmd, steady_root, repeat)
    events = clone(source, work / f"automation-events-{deals}", EVENT_RULES)
    write, evaluated, _ = per_write(events, 15, firing=False)
    _, fired, decided = per_write(events, 15, firing=True)
    return [
        Row(f"{label}: automate run --dry-run", planned.wall, TARGETS["run"] if gated else None),
        Row(f"{label}: automate run --dry-run, CPU time", planned.cpu),
        Row(f"{label}: automate run, nothing due", steady.wall),
        Row(f"{label}: a write (log), whole", write * 1000, None, "ms"),
        Row(
            f"{label}: event rules per write (none fire)",
            evaluated * 1000,
            TARGETS["per_write"] * 1000,
            "ms",
        ),
        Row(
            f"{label}: event rules per write (one fires: deciding and planning)",
            decided * 1000,
            TARGETS["per_write"] * 1000,
            "ms",
        ),
        Row(f"{label}: event rules per write (one fires, +1 commit)", fired * 1000, None, "ms"),
    ]


def main() -> None:
    args = synth_args(__doc__.splitlines()[0], repeat=3)
    rows: list[Row] = []
    for deals in args.deals:
        source = build_repo(args.dir / f"synth-{deals}", deals)
        rows += measure(source, deals, args.repeat, args.dir)
    print_table(rows)


if __name__ == "__main__":
    main()
