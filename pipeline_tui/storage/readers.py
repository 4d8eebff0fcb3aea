"""The forked readers of a cold load: which files a child takes, and how its checks come back.

Two kinds (:mod:`.beside` forks both): a child forked by the load itself,
whose results come in the order of its jobs, and one forked ahead of the
load by :meth:`.store.Store.read_ahead` (the board's, before its threads
start), whose results are taken over by name, ``stat`` and config.  Kept
apart from :mod:`.store`, which walks the folder and decides when to fork.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.storage.beside import Beside
from pipeline_tui.storage.parsecache import Key


def share_of(misses: list[int], share: float) -> list[int]:
    """The files a forked reader takes: the last ``share`` of those the cache lacks.

    The one rule, so a load can tell which files a child forked before it read.
    """
    return misses[len(misses) - int(len(misses) * share) :]


@dataclass(frozen=True)
class Child:
    """A forked reader a load waits for: the entries it reads, and how to collect them."""

    beside: Beside
    tail: list[int]
    #: Waits for the child; its checks by entry index (only those that may be used).
    collect: Callable[[], Mapping[int, Any]]
    #: When it was forked: it read its files after, so the cache's two-second
    #: rule for a file changed just before its read counts from this.
    read_ns: int


def in_job_order(beside: Beside, tail: list[int]) -> dict[int, Any]:
    """A child forked for this load: its results are in the order of its jobs."""
    results = beside.results()
    return {} if results is None else dict(zip(tail, results, strict=True))


@dataclass(frozen=True)
class ReadAhead:
    """A reader :meth:`.store.Store.read_ahead` forked, waiting for the load that takes it over."""

    share: float
    beside: Beside
    forked_ns: int

    def matched(
        self, tail: list[int], names: list[str], keys: list[Key | None], config: PipelineConfig
    ) -> Callable[[], dict[int, Any]]:
        """How the load collects what the child read: the checks of files as they are now.

        A file changed since the child read it (another ``stat``), or every
        file if ``pipeline.yaml`` did, is left out: the load reads it itself.
        """

        def collect() -> dict[int, Any]:
            results = self.beside.results()
            if not results or results[0][0] != repr(config):
                return {}
            read = results[0][1]
            found = {}
            for index in tail:
                kept = read.get(names[index])
                if kept is not None and kept[0] == keys[index]:
                    found[index] = kept[1]
            return found

        return collect


#: Readers forked ahead of a load (:meth:`.store.Store.read_ahead`), by folder; a load pops its own.
AHEAD: dict[Path, ReadAhead] = {}


def stop_readers() -> None:
    """At exit: stop and reap every reader forked ahead whose load never came."""
    while AHEAD:
        AHEAD.popitem()[1].beside.close()


atexit.register(stop_readers)
