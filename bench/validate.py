"""Cold ``pipeline validate``, before and after: ``python bench/validate.py --baseline PIPELINE``.

For each ``--deals`` size, builds (or reuses) the generator's sharded
repository (:func:`synth.build_repo`), clones it into a temporary folder so
the shared one is never written to, and times cold ``pipeline validate``
there (``.git/pipeline-tui/`` removed before every run).  With
``--baseline`` (another checkout's ``pipeline`` executable, e.g. main's) the
two are run interleaved, one right after the other, ``--repeat`` times, and
the ratio of the best runs is printed: on a shared machine only ratios
measured in one run mean something.  ``--busy`` measures everything a second
time beside a process burning one core.  CPU counts the process and the
processes it waited for.  ``--same-output`` also checks, cold and warm, that
the baseline and this checkout print the same bytes (stdout, stderr, exit
status) for ``validate``, ``validate --json``, ``validate --csv`` and ``list
--json`` (its clock pinned by ``PIPELINE_NOW``), on the clone and on
``--also`` folders (e.g. a pipeline of hostile files; each is copied first,
so the folder itself is never written to).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from scale import busy_core
from synth import build_repo
from timing import PIPELINE, Run, load_note, remove, run, sizes, synth_parser


def clone(source: Path, into: Path) -> Path:
    """A private clone of ``source`` (with its work tree checked out) in ``into``."""
    target = into / source.name
    subprocess.run(["git", "clone", "--quiet", str(source), str(target)], check=True)
    return target


def cold_validate(pipelines: list[str], root: Path, repeat: int) -> dict[str, Run]:
    """The best cold run of each executable, the executables taking turns run by run."""
    runs: dict[str, list[Run]] = {exe: [] for exe in pipelines}
    for _ in range(repeat):
        for exe in pipelines:
            remove(root / ".git" / "pipeline-tui")
            runs[exe].append(run([exe, "validate"], root))
    return {exe: min(found, key=lambda r: r.wall) for exe, found in runs.items()}


#: The clock ``list --json`` counts days in stage up to, the same for both executables.
NOW = "2026-12-01T12:00:00+00:00"
#: Every form compared by ``--same-output``.
FORMS = (["validate"], ["validate", "--json"], ["validate", "--csv"], ["list", "--json"])


def outputs(exe: str, root: Path) -> list[tuple[str, bytes, bytes, int]]:
    """What ``exe`` prints for each of :data:`FORMS` in ``root``, cold and then warm."""
    found = []
    env = {**os.environ, "PIPELINE_NOW": NOW}
    for form in FORMS:
        for state in ("cold", "warm"):
            if state == "cold":
                remove(root / ".git" / "pipeline-tui")
            proc = subprocess.run([exe, *form], cwd=root, capture_output=True, env=env)
            found.append((f"{state} {' '.join(form)}", proc.stdout, proc.stderr, proc.returncode))
    return found


def same_output(baseline: str, exe: str, root: Path) -> bool:
    """Print whether ``exe`` and ``baseline`` print the same bytes in ``root``."""
    ours, theirs = outputs(exe, root), outputs(baseline, root)
    differing = [mine[0] for mine, base in zip(ours, theirs, strict=True) if mine != base]
    lines = sum(out.count(b"\n") + err.count(b"\n") for _, out, err, _ in ours)
    verdict = "identical" if not differing else "DIFFERENT: " + ", ".join(differing)
    print(f"  output in {root.name}: {verdict} ({len(ours)} runs, {lines:,} lines)")
    return not differing


def report(title: str, deals: int, best: dict[str, Run], baseline: str | None) -> None:
    """One line per executable: wall, CPU, and the ratio to the baseline's best run."""
    print(f"\n{title}, {deals:,} deals ({load_note()})")
    for exe, found in best.items():
        ratio = ""
        if baseline is not None and exe != baseline:
            wall = found.wall / best[baseline].wall
            cpu = found.cpu / best[baseline].cpu
            ratio = f"  {wall:.2f}x the baseline's wall, {cpu:.2f}x its CPU"
        label = "baseline" if exe == baseline else "this checkout"
        print(f"  {label:<14} {found.wall:6.2f} s (CPU {found.cpu:5.2f} s){ratio}   {exe}")


def main() -> None:
    parser = synth_parser(__doc__.splitlines()[0], repeat=3)
    parser.add_argument(
        "--baseline", help="another `pipeline` executable to time against (e.g. main's)"
    )
    parser.add_argument(
        "--busy", action="store_true", help="also measure beside a process burning one core"
    )
    parser.add_argument(
        "--same-output",
        action="store_true",
        help="check that the baseline prints the same bytes (needs --baseline)",
    )
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="another pipeline folder for --same-output (copied first), e.g. of hostile files",
    )
    args = parser.parse_args()
    if args.same_output and args.baseline is None:
        parser.error("--same-output needs --baseline")
    pipelines = [PIPELINE] if args.baseline is None else [args.baseline, PIPELINE]
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as scratch:
        for deals in sizes(args):
            source = build_repo(args.dir / f"synth-sharded-{deals}", deals, layout="sharded")
            root = clone(source, Path(scratch))
            if args.same_output:
                same_output(args.baseline, PIPELINE, root)
            report("Quiet", deals, cold_validate(pipelines, root, args.repeat), args.baseline)
            if args.busy:
                with busy_core():
                    best = cold_validate(pipelines, root, args.repeat)
                report("One core busy", deals, best, args.baseline)
            remove(root)
        for folder in args.also if args.same_output else []:
            copy = Path(scratch) / folder.name
            shutil.copytree(folder, copy, symlinks=True)
            same_output(args.baseline, PIPELINE, copy)


if __name__ == "__main__":
    main()
