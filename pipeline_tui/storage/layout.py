"""Where an opportunity's file lives: the folder layout under ``opportunities/``.

Two layouts, chosen by ``layout:`` in ``pipeline.yaml``:

* ``flat`` (the default for pipelines made before layouts existed):
  ``opportunities/<id>.yaml``;
* ``sharded`` (what ``pipeline init`` writes, and ``pipeline migrate``
  converts to): ``opportunities/<xx>/<id>.yaml``, where ``xx`` is the first
  two hex digits of the SHA-1 of the id.

Why shard: every commit rewrites, and every history pass diffs, the tree of
the folder a changed file sits in.  One flat folder of N files makes both cost
O(N) per commit, so a pipeline's history grows with N².  256 buckets keep each
tree near N/256 entries (about 400 at 100,000 deals), and a bucket is computed
from the id alone, so no index is needed to find a file.  Why a hash rather
than the creation month (``2026/11/<id>.yaml``, which a person can browse):
the month needs the file's ``created`` to find it, and busy months grow large
trees again; ``pipeline show``/``list`` are how people browse.
``docs/history.md`` has the measurements.

The id stays the identity: files dropped anywhere under ``opportunities/`` by
hand still load, and the history engine follows a moved file by its id.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Final, Literal

from pipeline_tui.core.config import OPPORTUNITIES_DIR
from pipeline_tui.i18n import N_

Layout = Literal["flat", "sharded"]
LAYOUTS: Final = ("flat", "sharded")
#: Above this many flat files ``pipeline doctor`` suggests ``pipeline migrate``.
MIGRATE_HINT_FILES: Final = 2_000


def bucket(opp_id: str) -> str:
    """The two-hex-digit folder of ``opp_id`` in the sharded layout."""
    return hashlib.sha1(opp_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:2]


def relative_path(opp_id: str, layout: Layout) -> str:
    """The file of ``opp_id`` relative to the pipeline root, POSIX separators."""
    if layout == "sharded":
        return f"{OPPORTUNITIES_DIR}/{bucket(opp_id)}/{opp_id}.yaml"
    return f"{OPPORTUNITIES_DIR}/{opp_id}.yaml"


def is_deal_path(inner: str) -> bool:
    """Whether ``inner`` (POSIX, relative to ``opportunities/``) names a deal file.

    The store's own rule (``Store.opportunity_files``): a ``*.yaml`` at any
    depth, in any layout, with no hidden name (``.x``) on the way.
    """
    return inner.endswith(".yaml") and not inner.startswith(".") and "/." not in inner


def file_id(rel: str) -> str:
    """The id a deal file's name gives it (``opportunities/ab/acme.yaml`` -> ``acme``).

    What a file must hold as its ``id:``, so two files of one name are two
    claims to one deal (``migrate`` and the pre-commit hook refuse them).
    """
    return rel.rpartition("/")[2].removesuffix(".yaml")


#: Why a file under ``opportunities/`` is not read (each is a problem of the load).
_OUTSIDE = N_("a symlink leading outside the pipeline folder: not read")
_LINKED_FOLDER = N_("a symlink to a folder: not followed (move the files here instead)")
_NOT_YAML_NAME = N_("not read: a deal file's name must end in .yaml (rename it)")


def walk_deal_files(
    folder: Path, root: Path, found: list[os.DirEntry[str]], refused: list[tuple[str, str]]
) -> None:
    """Collect ``*.yaml`` entries below ``folder``, skipping hidden names.

    Symlinked folders are never followed, and a symlinked file only counts
    when its target is inside ``root``: others go to ``refused``, with a
    ``.yml`` or ``.YAML`` file a person meant as a deal (said, not skipped
    in silence).
    """
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if target.is_dir():
                    refused.append((entry.path, _LINKED_FOLDER))
                    continue
                if not target.is_relative_to(root):
                    refused.append((entry.path, _OUTSIDE))
                    continue
            if entry.is_dir(follow_symlinks=False):
                walk_deal_files(Path(entry.path), root, found, refused)
            elif entry.name.endswith(".yaml"):
                if entry.is_file():
                    found.append(entry)
            elif entry.name.lower().endswith((".yaml", ".yml")):
                refused.append((entry.path, _NOT_YAML_NAME))
