"""Folder layouts compared on one history: ``python bench/layout.py [--deals 1000,10000]``.

For each size, :func:`synth.history` makes one history (the same deals,
dates and texts) and writes it three times with ``git fast-import``, placing
the deal files

* ``flat``: ``opportunities/<id>.yaml`` (pipelines made before layouts);
* ``sharded``: ``opportunities/<2 hex of sha1(id)>/<id>.yaml`` (the product's
  default, :mod:`pipeline_tui.storage.layout`);
* ``month``: ``opportunities/YYYY/MM/<id>.yaml`` by creation month (the
  scheme a person could browse; only built here, for the comparison).

Per layout it reports the ``git fast-import`` time, the size of ``.git``
after ``git repack -ad`` (``size-pack`` + ``size`` of ``git count-objects
-v``), the time of ``git log --raw --no-renames -- opportunities/`` (the pass
every cold history scan makes) and the largest folder at HEAD.  Every commit
rewrites the tree of the folder its file sits in, and every history pass
diffs it, so these figures are the cost of the layout itself; the repos are
rebuilt on each run so the import is timed.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from synth import LAYOUTS, fast_import, history, stream
from timing import best, load_note, remove, sizes, synth_parser


@dataclass
class Figures:
    """One layout at one size."""

    layout: str
    deals: int
    commits: int
    import_s: float
    git_mb: float
    log_s: float
    largest_folder: int


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def repo_mb(root: Path) -> float:
    """``.git`` objects after ``git repack -ad``: size-pack + size (loose), in MB."""
    git(root, "repack", "-adq")
    counts = dict(line.split(": ", 1) for line in git(root, "count-objects", "-v").splitlines())
    return (int(counts["size-pack"]) + int(counts["size"])) / 1024


def largest_folder(root: Path) -> int:
    """Files in the fullest folder under ``opportunities/`` at HEAD."""
    names = git(root, "ls-tree", "-r", "--name-only", "HEAD", "--", "opportunities/").split()
    return max(Counter(name.rsplit("/", 1)[0] for name in names).values())


def measure(base: Path, deals: int, repeat: int) -> list[Figures]:
    events = history(deals)
    rows = []
    for layout in LAYOUTS:
        root = base / f"layout-{layout}-{deals}"
        if root.exists():
            remove(root)
        seconds = fast_import(root, stream(events, layout))
        size = repo_mb(root)
        log = best(["git", "log", "--raw", "--no-renames", "--", "opportunities/"], root, repeat)
        commits = int(git(root, "rev-list", "--count", "HEAD"))
        rows.append(Figures(layout, deals, commits, seconds, size, log.wall, largest_folder(root)))
        print(f"  {deals} deals, {layout}: done", flush=True)
    return rows


def print_markdown(rows: list[Figures]) -> None:
    """The comparison as a markdown table, each figure also as a ratio to flat."""
    print(
        "| deals | layout | commits | fast-import | `.git` (repacked) | "
        "`git log --raw` opportunities/ | largest folder |"
    )
    print("|---|---|---|---|---|---|---|")
    flat = {row.deals: row for row in rows if row.layout == "flat"}
    for row in rows:
        base = flat[row.deals]
        print(
            f"| {row.deals:,} | {row.layout} | {row.commits:,} "
            f"| {row.import_s:.2f} s ({row.import_s / base.import_s:.2f}x) "
            f"| {row.git_mb:.1f} MB ({row.git_mb / base.git_mb:.2f}x) "
            f"| {row.log_s:.2f} s ({row.log_s / base.log_s:.2f}x) "
            f"| {row.largest_folder:,} files |"
        )


def main() -> None:
    args = synth_parser(__doc__.splitlines()[0], repeat=2).parse_args()
    rows: list[Figures] = []
    for deals in sizes(args):
        rows += measure(args.dir, deals, args.repeat)
    print_markdown(rows)
    print(f"\n({load_note()})")


if __name__ == "__main__":
    main()
