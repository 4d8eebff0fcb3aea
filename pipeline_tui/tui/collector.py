"""Python's full garbage collections put off while the board's first load runs.

Why: a cold launch at 10,000 deals builds about a million objects that all
stay alive (Textual's styles and widgets, then every record, card and
timeline), and each full collection (generation 2) walks every one of them
while holding the interpreter lock.  Measured on a cold launch: seven full
collections, 1.5-2.7 s of the time until days in stage, about a quarter of
the process's CPU, taken from the file reader and the painting alike, and
finding next to nothing to free.  So while the first load runs only the young
generations are collected (short-lived cycles are still freed at once), and
the full collections come back, with their thresholds, once the board is
complete, or when it closes however the load went.
"""

from __future__ import annotations

import gc

#: Collections of generation 1 before a full one, while the first load runs: never, in practice.
PUT_OFF = 1_000_000_000

_saved: int | None = None


def put_off_full_collections() -> None:
    """Collect only the young generations from now on (a second call changes nothing)."""
    global _saved
    if _saved is not None:
        return
    young, middle, full = gc.get_threshold()
    _saved = full
    gc.set_threshold(young, middle, PUT_OFF)


def bring_back_full_collections() -> None:
    """Full collections as before :func:`put_off_full_collections` (nothing if not put off)."""
    global _saved
    if _saved is None:
        return
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, _saved)
    _saved = None
