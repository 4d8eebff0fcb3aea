"""Pickling records for the caches fast, and reading them back safely.

Split from :mod:`.cachefile` (which owns where caches live and how they are
replaced) because this is a job of its own: how a value becomes bytes and
back.  Dataclass records are stored as constructor calls, or as calls of a
builder that fills their slots (:func:`layout` names which, so a cache made
the other way is foreign); :data:`UNREADABLE` says which exceptions mean a
damaged or foreign cache, which is rebuilt; :func:`collector_paused` keeps
the cycle collector out of a large load or build.

Caches live inside ``.git/``, so they are as trusted as the repository's own
hooks and config: unpickling them runs no code a hook could not.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import gc
import importlib
import io
import operator
import pickle
from collections.abc import Callable, Iterable, Iterator
from datetime import timezone
from typing import Any

#: What reading a damaged, truncated or foreign cache can raise.
UNREADABLE: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    ValueError,
    TypeError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
)


@contextlib.contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """No garbage collection while a cache is unpickled (or built).

    Why: loading 100,000 rows creates millions of tuples, and every 700 new
    objects Python's cycle collector runs, ever more often over an ever
    bigger heap; a cache holds no cycles to find.  Paused, the same load
    takes about two thirds of the time.  A cold history build is the same
    story (every file version split, every event kept until the end).

    ``freeze=True`` when what is made meanwhile lives on (a command's rows
    and lines): it is frozen (``gc.freeze``) before the collector resumes.
    Otherwise the first allocation after the pause starts a collection of
    everything made during it: 0.4 s after a listing of 100,000 rows.
    """
    if not gc.isenabled():
        try:
            yield
        finally:
            if freeze:
                gc.freeze()
        return
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        gc.enable()


def unpack(packed: bytes) -> Any | None:
    """One value from :meth:`.cachefile.CacheFile.pack`; None when it cannot be read back."""
    try:
        return pickle.loads(packed)
    except UNREADABLE:
        return None


# ------------------------------------------------------------------ fast record pickling
#
# Python pickles a ``slots=True`` dataclass through ``__setstate__``, which
# recomputes the field list for every object; loading 100,000 of them costs
# seconds.  Pickling them instead as "call the class with these values" loads
# several times faster, which is most of what a warm ``pipeline list`` costs;
# calling a builder that fills the slots directly (:func:`_builder`) instead
# of the frozen class's ``__init__`` takes about half as long again.

Reducer = Callable[[Any], tuple[Any, tuple[Any, ...]]]


def layout(classes: Iterable[type]) -> str:
    """The classes' field names in order: a cache written under another layout is void.

    Values are stored as positional constructor arguments, so a field added
    or moved in a later version must never meet an old cache file; a class
    made by a builder (:func:`_builder`) says so (``:built``), so a version
    that calls the class instead never meets a file naming builders.
    """
    return ";".join(
        f"{cls.__qualname__}{':built' if _builder(cls) else ''}"
        f"({','.join(f.name for f in dataclasses.fields(cls))})"
        for cls in classes
    )


def pack(value: Any, classes: Iterable[type]) -> bytes:
    """Pickle ``value``; instances of ``classes`` (dataclasses) are stored as constructor calls."""
    return Packer(classes)(value)


class Packer:
    """:func:`pack` for many values in a row, through one pickler.

    Why: a cold history build pickles each of 10,000 deals' events and
    timeline on its own (:mod:`pipeline_tui.history.cache`); a pickler and
    buffer made for each costs more than many of those small values.  The
    memo is cleared between values, so each result is what :func:`pack` gives.
    Not for sharing between threads.
    """

    def __init__(self, classes: Iterable[type]) -> None:
        self._buffer = io.BytesIO()
        self._pickler = pickle.Pickler(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._pickler.dispatch_table = _table(tuple(classes))

    def __call__(self, value: Any) -> bytes:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._pickler.clear_memo()
        self._pickler.dump(value)
        return buffer.getvalue()


@functools.cache
def _table(classes: tuple[type, ...]) -> dict[type, Any]:
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    # a zone (UTC in every date the tool writes) as its constructor call: its
    # default reduction asks copyreg for slot names on every pickle, in Python
    table[timezone] = _zone
    table.update({cls: _reducer(cls) for cls in classes})
    return table


def _zone(zone: timezone) -> tuple[type[timezone], tuple[Any, ...]]:
    return (timezone, zone.__getinitargs__())  # type: ignore[attr-defined]


def _reducer(cls: type) -> Reducer:
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    make: Callable[..., Any] = _builder(cls) or cls
    get = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (make, (get(obj),))
    return lambda obj: (make, get(obj))


class _Builders:
    """Where the record builders live, by a name pickle can find again (``_BUILDERS.<name>``).

    A process reading a cache before it made the builders (it never packed
    one of those records) gets them here on first use, from the class the
    name spells (:func:`_builder_name`); a name that spells none is an
    unreadable cache, as a missing class would be.
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        module, _sep, qualname = name.rpartition("___")
        try:
            cls = getattr(importlib.import_module(module.replace("__", ".")), qualname)
        except (ImportError, AttributeError, ValueError) as exc:
            raise AttributeError(name) from exc
        made = _builder(cls) if dataclasses.is_dataclass(cls) and isinstance(cls, type) else None
        if made is None or made.__name__ != name:
            raise AttributeError(name)
        return made


#: The builder of each record class that has one (see :func:`_builder`).
_BUILDERS = _Builders()


def _builder(cls: type) -> Callable[..., Any] | None:
    """A function making a ``cls`` from its fields, cheaper than calling the class.

    Why: a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, and the class call goes through ``__new__`` and
    ``__init__``; a warm report unpickles some 700,000 records (timelines,
    stays, field changes, deals), and their constructors were most of the
    time.  The builder fills the slots directly (each slot's own setter),
    which gives the same object.  Only for slotted dataclasses whose fields
    are all set by ``__init__`` and that have no ``__post_init__`` (else
    the constructor does more than set fields, and stays in use).  Cache
    files name the builder (``_BUILDERS.<module>___<class>``), and the
    layout in their scope says ``:built`` (:func:`layout`), so a version
    without builders takes them for another cache and rebuilds it.
    """
    fields = dataclasses.fields(cls)
    slots = getattr(cls, "__slots__", ())
    if hasattr(cls, "__post_init__") or any(not f.init or f.name not in slots for f in fields):
        return None
    name = _builder_name(cls)
    module, _sep, qualname = name.rpartition("___")
    spelled = (module.replace("__", "."), qualname)
    if "." in qualname or spelled != (cls.__module__, cls.__qualname__):
        return None  # not a name :meth:`_Builders.__getattr__` can spell back
    found = _BUILDERS.__dict__.get(name)
    if found is not None:
        return found  # type: ignore[no-any-return]
    names = [f.name for f in fields]
    # its own names start with two underscores: no field's name is one of them
    scope: dict[str, Any] = {"__new": object.__new__, "__cls": cls}
    scope.update({f"__set_{n}": getattr(cls, n).__set__ for n in names})
    body = "".join(f"    __set_{n}(__obj, {n})\n" for n in names)
    source = f"def {name}({', '.join(names)}):\n    __obj = __new(__cls)\n{body}    return __obj\n"
    exec(source, scope)  # made from the class's own field names, nothing read from outside
    made: Callable[..., Any] = scope[name]
    made.__module__ = __name__
    made.__qualname__ = f"_BUILDERS.{name}"
    setattr(_BUILDERS, name, made)
    return made


def _builder_name(cls: type) -> str:
    """``pipeline_tui__core__timeline___StageInterval``: the module's dots as ``__``."""
    return f"{cls.__module__.replace('.', '__')}___{cls.__qualname__}"
