"""The board's first screenful: a few files from the start of ``opportunities/``, read first.

Why: after a ``git clone`` there is no parse cache, and the full load first
lists and ``stat``\\ s every file (the live-reload snapshot), then reads them
all: seconds at 10,000 deals, a minute at 100,000.  A board needs only a
screenful to look like itself, so the loader first reads files in the order
the full load reads them (path order), walking no further than it must,
until every open column has a screen of cards, a file limit or a time
budget is reached; the board paints those, then the full load runs.

What a glance shows is real but partial: the column counts carry "…" until
the full load is in, and it reports no problems (the full load does, with
every file).  It skips every symlink and hidden name, so it never shows a
record the full load would refuse.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity
from pipeline_tui.storage.store import Store

#: At most this many files are read for the first screenful ...
GLANCE_FILES = 400
#: ... and for at most this long (a slow disk or a busy machine: fewer cards, not a later paint).
GLANCE_S = 0.25


def first_files(folder: Path) -> Iterator[Path]:
    """``*.yaml`` files below ``folder`` in path order, listing each subfolder only when reached.

    Hidden names and symlinks are skipped (the full load decides about symlinks).
    """
    try:
        with os.scandir(folder) as scan:
            entries = sorted(
                (e for e in scan if not e.name.startswith(".") and not e.is_symlink()),
                key=lambda e: e.name,
            )
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from first_files(Path(entry.path))
        elif entry.name.endswith(".yaml") and entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def glance(store: Store, config: PipelineConfig, rows: int) -> tuple[Opportunity, ...]:
    """Valid records from the first files, until each open stage has ``rows`` of them.

    Stops earlier at :data:`GLANCE_FILES` files or :data:`GLANCE_S` seconds.
    """
    wanted = {stage.name: rows for stage in config.open_stages}
    records: list[Opportunity] = []
    deadline = time.monotonic() + GLANCE_S
    for count, path in enumerate(first_files(store.opportunities_dir), 1):
        record, _problems = store.load_file(path, config)
        if record is not None:
            records.append(record)
            if wanted.get(record.stage, 0) > 0:
                wanted[record.stage] -= 1
        if not any(wanted.values()) or count >= GLANCE_FILES or time.monotonic() > deadline:
            break
    return tuple(records)
