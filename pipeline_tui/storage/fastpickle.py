"""Pickling frozen dataclasses so they load fast: the caches' file format.

Python pickles a ``slots=True`` dataclass through ``__setstate__``, which
recomputes the field list for every object; loading 100,000 of them costs
seconds.  Pickling them instead as "call the class with these values" loads
several times faster, which is most of what a warm ``pipeline list`` costs.
"""

from __future__ import annotations

import copyreg
import dataclasses
import functools
import io
import operator
import pickle
from collections.abc import Callable, Iterable
from typing import IO, Any

Reducer = Callable[[Any], tuple[Any, tuple[Any, ...]]]


def _reducer(cls: type) -> Reducer:
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    get = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (get(obj),))
    return lambda obj: (cls, get(obj))


def layout(classes: Iterable[type]) -> str:
    """The classes' field names in order: a cache written under another layout is void.

    Values are stored as positional constructor arguments, so a field added
    or moved in a later version must never meet an old cache file.
    """
    return ";".join(
        f"{cls.__qualname__}({','.join(f.name for f in dataclasses.fields(cls))})"
        for cls in classes
    )


@functools.cache
def _table(classes: tuple[type, ...]) -> dict[type, Any]:
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    table.update({cls: _reducer(cls) for cls in classes})
    return table


def dump(obj: Any, handle: IO[bytes], classes: Iterable[type]) -> None:
    """Pickle ``obj``; instances of ``classes`` (dataclasses) are stored as constructor calls."""
    pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _table(tuple(classes))
    pickler.dump(obj)


def dumps(obj: Any, classes: Iterable[type]) -> bytes:
    buffer = io.BytesIO()
    dump(obj, buffer, classes)
    return buffer.getvalue()
