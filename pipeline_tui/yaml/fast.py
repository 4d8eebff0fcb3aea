"""Fast, read-only YAML loading that mirrors ruamel.yaml's round-trip loader.

``load_fast(text)`` parses with libyaml (PyYAML's C ``CParser``) and builds plain
Python objects itself, following the YAML 1.2 core-schema rules *as ruamel.yaml
applies them* (``YAML()`` / ``typ='rt'``, ruamel.yaml 0.18/0.19).  The result is
meant to equal ruamel's result with its scalar types turned into plain ones
(the safe loader :func:`pipeline_tui.yaml.read.parse_fast` falls back to);
tests/unit/test_yaml_fast.py holds the property test that checks it.

Whenever the fast path could disagree with ruamel -- or ruamel would raise --
``load_fast`` raises :class:`NeedsSlowPath` instead of guessing.  Callers fall
back to ruamel for that one file::

    try:
        data = load_fast(text)
    except NeedsSlowPath:
        data = YAML(typ="safe").load(text)   # also raises ruamel's own errors

``load_fast`` raises nothing but NeedsSlowPath for ``str``/``bytes`` input (any
unexpected exception inside is converted to NeedsSlowPath, too).

Value mapping (plain YAML 1.2 scalars, as resolved by ruamel):

===================================  =========================================
``true True TRUE false False FALSE``  ``bool``   (``yes/no/on/off/y/n`` -> str)
``~ null Null NULL`` and empty        ``None``   (``nuLL`` -> str)
``12 +12 -0 012 09 1_000 1_``         ``int`` decimal (``012`` == 12, not octal)
``0o12`` / ``0x1F`` / ``0b101``       ``int`` 10 / 31 / 5 (``0X1F`` -> str)
``1.5 1. .5 1e3 1E3 .5e+3 1_0.5``     ``float``  (``.5e3`` -> str, exp needs sign)
``.inf -.inf +.inf .Inf .INF``        ``float`` +-inf
``.nan .NaN .NAN``                    ``float`` nan (``-.nan`` -> str)
``1:20`` (sexagesimal)                ``str``
``2026-12-15``                        ``datetime.date``
``2026-09-01 10:00:00``               naive ``datetime.datetime``
``2026-09-01T10:00:00[.f][tz]``       ``datetime.datetime``; aware iff a zone is
                                      given, tzinfo is
                                      ``datetime.timezone(offset, name=<zone
                                      text>)``, e.g. name ``'+00:00'`` or ``'Z'``
                                      -- exactly what ruamel's ``TimeStamp``
                                      carries (wall-clock time is NOT shifted
                                      to UTC)
quoted / ``|`` / ``>`` scalars        ``str``
``=`` as mapping key                  ``'='``
===================================  =========================================

Inputs sent to the slow path (``NeedsSlowPath``): anything libyaml rejects;
any TAB character; NEL/LS/PS characters (U+0085/2028/2029); a BOM anywhere but
at offset 0; a ``%`` directive line; UTF-16 byte input / invalid UTF-8 bytes /
lone surrogates; any explicit tag (``!!str``, ``!!binary``, ``!custom``, bare
``!``); ``<<`` merge keys; ``=`` or ``<<`` used as a *value* (ruamel returns a
``TaggedScalar``); non-scalar (complex) mapping keys; duplicate keys (ruamel
raises ``DuplicateKeyError``); recursive aliases; and every scalar whose
construction raises in ruamel (``2026-02-30``, hour 25, tz ``+25:00``,
``+_``, ``0b_``, ``._``, ints longer than ``sys.get_int_max_str_digits()``).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any, Final

from yaml._yaml import CParser  # libyaml binding; ImportError if PyYAML lacks it
from yaml.nodes import Node, ScalarNode, SequenceNode

__all__ = ["NeedsSlowPath", "compose_fast", "key_of", "load_fast"]


class NeedsSlowPath(Exception):
    """The document must be loaded with ruamel.yaml (the fast path can't be
    sure to produce the identical result, or ruamel would raise)."""


# --------------------------------------------------------------------------
# Private node tags.
#
# libyaml calls ``resolve()`` (below) only for nodes WITHOUT an explicit tag
# (or with the non-specific ``!`` tag).  Returning private sentinel strings
# means that any node whose tag is not one of these four carried an explicit
# tag in the source -> slow path.  Sentinels are compared by identity.
# --------------------------------------------------------------------------
_PLAIN: Final[str] = "tag:fastload.invalid,2024:plain"  # plain scalar: resolve
_STR: Final[str] = "tag:fastload.invalid,2024:str"  # quoted/block scalar
_SEQ: Final[str] = "tag:fastload.invalid,2024:seq"
_MAP: Final[str] = "tag:fastload.invalid,2024:map"


class _Parser(CParser):
    """libyaml parser+composer with a trivial resolver (no PyYAML Resolver)."""

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        # For scalars ``implicit`` is (plain_implicit, quoted_implicit);
        # plain_implicit is true only for an untagged plain scalar.
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP

    # The C composer calls these around every node (PyYAML path resolvers);
    # we have none.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


# --------------------------------------------------------------------------
# YAML 1.2 implicit resolvers, copied from ruamel.yaml/resolver.py
# (``implicit_resolvers`` entries tagged (1, 2)).  ruamel selects candidate
# resolvers by the first character of the scalar and tries them in table
# order; we do the same.
# --------------------------------------------------------------------------
_BOOL_RE: Final = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT_RE: Final = re.compile(
    r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT_RE: Final = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_NULL_RE: Final = re.compile(r"^(?:~|null|Null|NULL)$")
# Timestamps.  ruamel's resolver regex (resolver.py) is
#   YYYY-MM-DD                                     (date: 2-digit month/day)
# | YYYY-M?M-D?D(T|t|[ \t]+)H?H:MM:SS(.f*)?([ \t]*(Z|[-+]H?H(:MM)?))?
# and its constructor re-matches with util.timestamp_regexp (below), which
# accepts 1-digit month/day for dates as well.  We match only the
# constructor regex and require 2-digit month/day when there is no time
# part -- the same language as the resolver regex.
# ... and the one its constructor uses to split it (ruamel util.py).
_TIMESTAMP_PARTS_RE: Final = re.compile(
    r"""^(?P<year>[0-9][0-9][0-9][0-9])
       -(?P<month>[0-9][0-9]?)
       -(?P<day>[0-9][0-9]?)
       (?:((?P<t>[Tt])|[ \t]+)
       (?P<hour>[0-9][0-9]?)
       :(?P<minute>[0-9][0-9])
       :(?P<second>[0-9][0-9])
       (?:\.(?P<fraction>[0-9]*))?
        (?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)
       (?::(?P<tz_minute>[0-9][0-9]))?))?)?$""",
    re.X,
)


# --------------------------------------------------------------------------
# Scalar constructors, mirroring ruamel's RoundTripConstructor value logic.
# They may raise ValueError/IndexError/OverflowError exactly where ruamel
# raises; load_fast turns those into NeedsSlowPath.
# --------------------------------------------------------------------------
def _bool(s: str) -> bool:
    return s[0] in "tT"


def _null(s: str) -> None:
    return None


def _int(s: str) -> int:
    # RoundTripConstructor.construct_yaml_int, YAML 1.2 branch.
    v = s.replace("_", "")
    sign = 1
    if v[0] in "+-":  # IndexError for '_' only strings: ruamel fails too
        if v[0] == "-":
            sign = -1
        v = v[1:]
    head = v[:2]
    if head == "0b" or head == "0x" or head == "0o":
        if len(v) == 2:
            # '0b_', '0o_', '0x_': ruamel's constructor fails with IndexError
            raise NeedsSlowPath(f"int {s!r} has no digits")
        return sign * int(v[2:], 2 if head == "0b" else 16 if head == "0x" else 8)
    if not v:
        # '+_', '-__': ruamel's constructor fails with IndexError
        raise NeedsSlowPath(f"int {s!r} has no digits")
    # Leading zeros ('012', '09') are plain decimal in YAML 1.2 -- ruamel
    # returns ScalarInt(12, width=3), i.e. int 12.
    return sign * int(v)  # ValueError beyond int_max_str_digits, like ruamel


_INF: Final[float] = float("inf")
# ruamel returns one shared NaN object (SafeConstructor.nan_value); sharing a
# single object keeps ``.nan`` duplicate-key detection identical (dict lookup
# finds it by identity).
_NAN: Final[float] = float("nan")


def _float(s: str) -> float:
    # RoundTripConstructor.construct_yaml_float: value is sign * float(rest)
    v = s.replace("_", "").lower()
    sign = 1.0
    if v[0] in "+-":
        if v[0] == "-":
            sign = -1.0
        v = v[1:]
    if v == ".inf":
        return sign * _INF
    if v == ".nan":
        return _NAN
    return sign * float(v)  # ValueError for '._' like ruamel


# tz text -> timezone object (immutable, safe to share between values)
_TZ_CACHE: Final[dict[str, _dt.timezone]] = {}


# The two forms the tool writes, ``2026-12-15`` and ``2026-09-01T10:00:00+00:00``
# (or ``...Z``): read by ``fromisoformat`` in C.  For exactly these texts it
# gives the fields the general path below computes, and raises ValueError
# where that raises (month 13, hour 24).
_ISO_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_STAMP_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


def _timestamp(s: str) -> _dt.date | _dt.datetime | None:
    if len(s) == 10 and _ISO_DATE_RE.fullmatch(s):
        return _dt.date.fromisoformat(s)
    zone = s[19:]
    tzinfo = _TZ_CACHE.get(zone)
    if tzinfo is not None and _ISO_STAMP_RE.match(s):  # a zone already seen, as ruamel made it
        return _dt.datetime.fromisoformat(s[:19]).replace(tzinfo=tzinfo)
    return _any_timestamp(s)


def _any_timestamp(s: str) -> _dt.date | _dt.datetime | None:
    # ruamel util.create_timestamp (RoundTripConstructor wraps some results in
    # TimeStamp, a datetime subclass with the same fields and tzinfo).
    m = _TIMESTAMP_PARTS_RE.match(s)
    if m is None:
        return None  # not a timestamp
    year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
    if m["hour"] is None:
        if len(m["month"]) != 2 or len(m["day"]) != 2:
            return None  # '2026-9-1' is no timestamp (resolver wants YYYY-MM-DD)
        return _dt.date(year, month, day)
    fraction = m["fraction"]
    micro = 0
    carry = False
    if fraction:
        frac = int(fraction[:6].ljust(6, "0"))
        if len(fraction) > 6 and int(fraction[6]) > 4:
            frac += 1  # ruamel rounds on the 7th digit ...
        if frac > 999999:
            carry = True  # ... and carries into seconds
        else:
            micro = frac
    tz = m["tz"]
    tzinfo = None if tz is None else _TZ_CACHE.get(tz)
    if tzinfo is None and tz is not None:
        # tz is 'Z' or sign+hour[:minute]; the source text becomes the tzname
        # (ruamel: datetime.timezone(delta, name=tz)), e.g. '+00:00' -> tzname
        # '+00:00' although the offset equals datetime.timezone.utc.
        if m["tz_sign"]:
            minutes = m["tz_minute"]
            delta = _dt.timedelta(hours=int(m["tz_hour"]), minutes=int(minutes) if minutes else 0)
            if m["tz_sign"] == "-":
                delta = -delta
        else:
            delta = _dt.timedelta(0)
        tzinfo = _dt.timezone(delta, name=tz)  # ValueError if |offset| >= 24h
        if len(_TZ_CACHE) < 1024:
            _TZ_CACHE[tz] = tzinfo
    data = _dt.datetime(
        year, month, day, int(m["hour"]), int(m["minute"]), int(m["second"]), micro, tzinfo
    )
    if carry:
        data += _dt.timedelta(seconds=1)  # OverflowError at 9999-12-31, like ruamel
    return data


def _tagged_value(s: str) -> Any:
    # '<<' (merge) or '=' (value) as a *value*: ruamel returns a TaggedScalar,
    # which has no plain equivalent.  As mapping keys they are handled in
    # _plain_key before resolution.
    raise NeedsSlowPath(f"{s!r} used as a value")


_Resolver = tuple[re.Pattern[str], Callable[[str], Any]]

# First character -> candidate (regex, constructor) pairs.  ruamel tries
# bool, float, int, merge, null, timestamp, value in that order among those
# registered for the first character; the int, float and timestamp languages
# are pairwise disjoint, so trying int before float (cheaper for amounts)
# cannot change the result.  Timestamps are dispatched separately (below).
_BY_FIRST: Final[dict[str, tuple[_Resolver, ...]]] = {}


def _register(first: str, regex: re.Pattern[str], fn: Callable[[str], Any]) -> None:
    for ch in first:
        _BY_FIRST[ch] = (*_BY_FIRST.get(ch, ()), (regex, fn))


_register("tTfF", _BOOL_RE, _bool)
_register("-+0123456789", _INT_RE, _int)
_register("-+0123456789.", _FLOAT_RE, _float)
_register("<", re.compile(r"^(?:<<)$"), _tagged_value)
_register("~nN", _NULL_RE, _null)
_register("=", re.compile(r"^(?:=)$"), _tagged_value)
_DIGITS: Final = frozenset("0123456789")


# Plain scalar text -> its value, for the texts seen so far.  Resolution is a
# pure function of the text and every result is immutable (str, int, float,
# bool, None, date, datetime with a shared timezone), so documents may share
# the objects.  Deal files repeat most of their scalars (keys, stages,
# owners, kinds, currencies): one dict lookup instead of the regex tables.
# Texts whose resolution raises are never stored.  Bounded: past the limit
# new texts are resolved every time.
_MEMO: Final[dict[str, Any]] = {}
_KEY_MEMO: Final[dict[str, Any]] = {}
_MEMO_LIMIT: Final = 1 << 16
_ABSENT: Final = object()


def _plain_value(value: str) -> Any:
    """Value of an untagged plain scalar under ruamel's YAML 1.2 rules (memoised)."""
    found = _MEMO.get(value, _ABSENT)
    if found is not _ABSENT:
        return found
    found = _resolve_plain(value)
    if len(_MEMO) < _MEMO_LIMIT:
        _MEMO[value] = found
    return found


def _resolve_plain(value: str) -> Any:
    """Value of an untagged plain scalar under ruamel's YAML 1.2 rules."""
    if not value:
        return None  # empty plain scalar -> null
    if value[4:5] == "-" and value[0] in _DIGITS:
        # Timestamp candidate.  No int or float matches a timestamp (4 digits
        # then '-': int allows '-' only at index 0, float only at index 0 or
        # right after e/E), so trying it first is order-independent.  If it
        # is no timestamp ('1.2e-5', '2026-9-1') continue normally.
        ts = _timestamp(value)
        if ts is not None:
            return ts
    candidates = _BY_FIRST.get(value[0])
    if candidates is not None:
        for regex, fn in candidates:
            if regex.match(value):
                return fn(value)
    return value


def _plain_key(value: str) -> Any:
    """Like _plain_value, for an untagged plain scalar used as mapping key (memoised)."""
    found = _KEY_MEMO.get(value, _ABSENT)
    if found is not _ABSENT:
        return found
    if value == "=":
        return "="  # ruamel retags a '=' *key* to str (flatten_mapping)
    if value == "<<":
        raise NeedsSlowPath("merge key '<<'")
    found = _plain_value(value)
    if len(_KEY_MEMO) < _MEMO_LIMIT:
        _KEY_MEMO[value] = found
    return found


# --------------------------------------------------------------------------
# Node graph -> Python objects
# --------------------------------------------------------------------------
def _build(node: Node) -> Any:
    """Build a document that has no anchors (so the node graph is a tree).

    Scalars of mappings are handled inline: this is the hot loop.
    """
    tag = node.tag
    if tag is _MAP:
        result: dict[Any, Any] = {}
        keys, values = _KEY_MEMO.get, _MEMO.get  # the memos, looked up inline
        for key_node, value_node in node.value:
            ktag = key_node.tag
            if ktag is _STR:
                k = key_node.value
            elif ktag is _PLAIN:
                k = keys(key_node.value, _ABSENT)
                if k is _ABSENT:
                    k = _plain_key(key_node.value)
            else:  # sequence/mapping key, or explicitly tagged key
                raise NeedsSlowPath("complex or tagged mapping key")
            if k in result:
                # ruamel raises DuplicateKeyError (also for 1 vs 1.0 vs true)
                raise NeedsSlowPath(f"duplicate key {k!r}")
            vtag = value_node.tag
            if vtag is _PLAIN:
                v = values(value_node.value, _ABSENT)
                result[k] = _plain_value(value_node.value) if v is _ABSENT else v
            elif vtag is _STR:
                result[k] = value_node.value
            else:
                result[k] = _build(value_node)
        return result
    if tag is _SEQ:
        return [_build(child) for child in node.value]
    if tag is _PLAIN:
        return _plain_value(node.value)
    if tag is _STR:
        return node.value
    raise NeedsSlowPath(f"explicit tag {tag!r}")


_IN_PROGRESS: Final = object()


def _build_memo(node: Node, memo: dict[int, Any]) -> Any:
    """Build a document that may contain anchors/aliases.

    An alias is the very same node object as its anchor, so memoising by
    id(node) makes aliases share one built object, as in ruamel.  Recursive
    aliases go to the slow path (ruamel's output for them is peculiar, e.g.
    ``&a [*a]`` -> ``[None]``).
    """
    nid = id(node)
    done = memo.get(nid, memo)  # memo itself is the "absent" sentinel
    if done is not memo:
        if done is _IN_PROGRESS:
            raise NeedsSlowPath("recursive alias")
        return done
    memo[nid] = _IN_PROGRESS
    tag = node.tag
    result: Any
    if tag is _MAP:
        result = {}
        for key_node, value_node in node.value:
            ktag = key_node.tag
            if ktag is _PLAIN and key_node.value in ("=", "<<"):
                k = _plain_key(key_node.value)
            elif ktag is _PLAIN or ktag is _STR:
                k = _build_memo(key_node, memo)
            else:
                raise NeedsSlowPath("complex or tagged mapping key")
            if k in result:
                raise NeedsSlowPath(f"duplicate key {k!r}")
            result[k] = _build_memo(value_node, memo)
    elif tag is _SEQ:
        result = [_build_memo(child, memo) for child in node.value]
    elif tag is _PLAIN:
        result = _plain_value(node.value)
    elif tag is _STR:
        result = node.value
    else:
        raise NeedsSlowPath(f"explicit tag {tag!r}")
    memo[nid] = result
    return result


# --------------------------------------------------------------------------
# Pre-scan: cheap text checks for constructs where libyaml and ruamel's own
# scanner/parser are known (or suspected) to diverge.
# --------------------------------------------------------------------------
# Indicator '!' or '?' standing alone (followed by separation):
#  * bare '!' is the non-specific tag ("! 12"); libyaml routes such nodes
#    through resolve(), so the private-tag trick cannot reveal them;
#  * '?' is the explicit-key indicator; libyaml mis-parses some flow cases
#    ('[?, , yes]' -> [{None: None}, 'yes'], ruamel: ParserError).  Complex
#    keys go to the slow path anyway.
#
# Regexes below start with the indicator character (fast scanning) and then
# look back: "(?<![^SET]X)" = X is at the start of text or preceded by SET.
_TOKEN_START = r"\s\[\]{},:\ufeff"  # chars after which a new token may start
_BARE_INDICATOR_RE: Final = re.compile(rf"[!?](?<![^{_TOKEN_START}][!?])(?=[\s,\[\]{{}}]|$)")
# Anchor/alias names: libyaml allows only [0-9A-Za-z_-] and ends the name at
# the first other character, ruamel takes every printable non-space character
# except ",[]{}" ("&a: x" is anchor 'a' + empty key for libyaml, anchor 'a:'
# for ruamel).  They agree only if the name is followed by a space, line
# break, end of text or one of ",[]{}".  Checked at token-start positions
# (start of text, after whitespace, a flow indicator or ':').
_ANCHOR_RE: Final = re.compile(
    rf"[&*](?<![^{_TOKEN_START}][&*])[0-9A-Za-z_-]+(?=[^\s,\[\]{{}}0-9A-Za-z_-])"
)

# JSON-style "adjacent" value after a quoted key ('"a":b', '"a":]'): libyaml
# accepts it in flow sequences too ('["a":b]' -> [{'a': 'b'}]), ruamel only
# in flow mappings (ParserError in sequences).
_ADJACENT_VALUE_RE: Final = re.compile(r"""["'] *:(?=[^ \r\n])""")

# Block scalar headers where ruamel's scanner is stricter than libyaml:
#  * a comment glued to the header ('|#c', '>-#c') is a ScannerError;
#  * with auto-detected indentation, if the first line after the header is
#    spaces-only and a later line is more indented ('|\n \n  x'), ruamel
#    raises "more indented follow up line than first in a block scalar";
#    libyaml accepts it.  (Any spaces-only first line is sent to the slow
#    path; an explicit indentation indicator, '|2', avoids the check.)
_BLOCK_HEADER_RE: Final = re.compile(
    r"[|>](?:[0-9+-]*#|[+-]?[ ]*(?:#[^\r\n]*)?(?:\r\n?|\n)[ ]+(?:\r\n?|\n))"
)

# ruamel rt comment-handling bug: an EOL comment right after "key:", the value
# as a plain or block scalar on a following line, then an empty line, e.g.
# "key: # c\n  value\n\n" -> NotImplementedError("overlap in comment").
# Conservatively: "key: # ..." whose next content line is indented and is not
# a block sequence entry or a flow collection.
# (Matched from the '#'; _eol_comment_after_key checks the ":   " before it.)
_EOL_COMMENT_KEY_RE: Final = re.compile(
    r"#[^\r\n]*(?:\r\n?|\n)(?:[ ]*(?:#[^\r\n]*)?(?:\r\n?|\n))*[ ]+(?!-[ \r\n]|-$)[^\s\[{#]"
)


def _eol_comment_after_key(text: str) -> bool:
    i = text.find("#")
    while i != -1:
        j = i - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        if j < i - 1 and j >= 0 and text[j] == ":" and _EOL_COMMENT_KEY_RE.match(text, i):
            return True
        i = text.find("#", i + 1)
    return False


# Document-end marker '...' at the start of a line.  A second one (even with
# only comments in between: 'a: 1\n...\n...\n') makes ruamel raise
# ComposerError (it sees another document); libyaml ignores it.
_DOC_END_RE: Final = re.compile(r"\.\.\.(?<![^\r\n]\.\.\.)(?=[ \r\n]|$)")


def _doc_end_markers(text: str) -> int:
    count = 0
    i = text.find("...")
    while i != -1:
        if _DOC_END_RE.match(text, i):
            count += 1
        i = text.find("...", i + 1)
    return count


def _found(text: str, chars: str, regex: re.Pattern[str]) -> bool:
    """True if ``regex`` matches at some occurrence of one of ``chars``.

    Each regex starts with its indicator character; locating candidates with
    str.find (memchr speed) and matching only there is much faster than
    regex.search over the whole text.  Lookbehinds still see the text before
    the position passed to match().
    """
    for ch in chars:
        i = text.find(ch)
        while i != -1:
            if regex.match(text, i):
                return True
            i = text.find(ch, i + 1)
    return False


def _prescan(text: str) -> None:
    """Raise NeedsSlowPath for texts libyaml and ruamel may read differently."""
    if "\t" in text:
        # ruamel rejects TABs in places libyaml accepts ("a: 1\t# c")
        raise NeedsSlowPath("TAB character")
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        # line-break sets differ (ruamel: LS/PS are content in YAML 1.2)
        raise NeedsSlowPath("NEL/LS/PS character")
    if text.find("\ufeff", 1) != -1:
        # ruamel skips a BOM only at offset 0 and keeps later ones as content
        # ('a: 1\n\ufeffb: 2' -> key '\ufeffb'); libyaml treats them differently
        raise NeedsSlowPath("BOM after start of text")
    if "%" in text and (text.startswith(("%", "\ufeff%")) or "\n%" in text or "\r%" in text):
        # %YAML 1.1 switches ruamel to 1.1 rules; %TAG changes tag handles
        raise NeedsSlowPath("directive")
    if "..." in text and _doc_end_markers(text) > 1:
        raise NeedsSlowPath("more than one '...' document-end marker")
    if _found(text, "!?", _BARE_INDICATOR_RE):
        raise NeedsSlowPath("bare '!' (non-specific tag) or '?' (explicit key)")
    if _found(text, "&*", _ANCHOR_RE):
        raise NeedsSlowPath("anchor/alias name libyaml and ruamel split differently")
    if _found(text, "|>", _BLOCK_HEADER_RE):
        raise NeedsSlowPath("block scalar header ruamel rejects")
    if _eol_comment_after_key(text):
        raise NeedsSlowPath("'key: # comment' + scalar on next line (ruamel rt bug)")
    if _found(text, "\"'", _ADJACENT_VALUE_RE):
        raise NeedsSlowPath("quoted key directly followed by ':' + non-space")


# --------------------------------------------------------------------------
# The line reader: deal files as the tool writes them, without a parser.
#
# Nearly every deal file is one block mapping of ``key: value`` lines whose
# values are one-line scalars, one-line flow mappings or lists of scalars,
# or block lists of such items.  For those the node graph is pure overhead:
# :func:`_read_lines` recognises exactly that shape with regexes and builds
# the values directly (through the same scalar resolution as _build).  Its
# language is deliberately narrow: plain scalars without ``#``, ``: ``,
# control characters or a leading indicator, quoted scalars without escapes
# or line breaks, single spaces around ``:`` and ``,`` in flow collections,
# no comments, anchors, tags, blank lines or nesting beyond those.  Anything
# else returns None and takes the libyaml path, so it never has to decide a
# hard case.  tests/unit/test_yaml_fast.py checks it against both libyaml's
# path and ruamel.
# --------------------------------------------------------------------------
_KEY_TEXT = r"[A-Za-z_][A-Za-z0-9_]*"
# Not printable in YAML, or a byte order mark: never inside a scalar here
# (and a space only between other characters).
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ufeff\\ufffe\\uffff"
_ODD = f"\\x20{_CONTROL}"
# The first character: no indicator at all (YAML allows ``-?:`` before a
# non-space; only '-' before a number matters).
_FIRST = f"(?:[^{_ODD}\\-?:,\\[\\]{{}}#&*!|>'\"%@`]|-(?=[0-9.]))"
# Later characters: not a comment or value indicator, not a quote (quotes
# inside plain scalars are fine in YAML but rare), single spaces between.
_BODY = f"[^{_ODD}#:'\"]"
_FLOW_BODY = f"[^{_ODD}#:'\",\\[\\]{{}}]"  # in a flow collection no flow indicator either
# ':' only before a digit (times) or, outside flow collections, '/' (URLs):
# then it is no value indicator for either parser.
_PLAIN_BLOCK_RE: Final = re.compile(f"{_FIRST}(?: *(?:{_BODY}|:(?=[0-9/])))*")
_FLOW_PLAIN = f"{_FIRST}(?: *(?:{_FLOW_BODY}|:(?=[0-9])))*"
# Quoted scalars on one line without escapes ('' in single quotes is the one allowed).
_SINGLE_RE: Final = re.compile(f"'(?:[^'{_CONTROL}]|'')*'")
_DOUBLE_RE: Final = re.compile(f'"[^"\\\\{_CONTROL}]*"')
_FLOW_VALUE = (
    f"(?P<plain>{_FLOW_PLAIN})|(?P<single>{_SINGLE_RE.pattern})|(?P<double>{_DOUBLE_RE.pattern})"
)
_FLOW_ITEM_RE: Final = re.compile(f"(?P<key>{_KEY_TEXT}): (?:{_FLOW_VALUE})(?:, |\\}}\\Z)")
_FLOW_ENTRY_RE: Final = re.compile(f"(?:{_FLOW_VALUE})(?:, |\\]\\Z)")
_LINE_RE: Final = re.compile(
    f"(?P<key>{_KEY_TEXT}):(?: (?P<value>.+))?"  # a key, with its value on the line or below
    "|(?P<indent> *)- (?P<item>.+)"  # an item of a block list
)


def _read_lines(text: str) -> dict[Any, Any] | None:
    """The mapping a deal file in the tool's own plain shape holds; None for any other text."""
    if not text.endswith("\n") or "\r" in text:
        return None
    lines = text.split("\n")
    lines.pop()  # the empty string after the final line break
    if not lines:
        return None  # an empty document is null, not a mapping
    result: dict[Any, Any] = {}
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        index += 1
        known = _LINE_MEMO.get(line)
        if known is not None:  # a ``key: value`` line read before
            key, value = known
            if key in result:
                return None  # duplicate: ruamel raises
            result[key] = _own(value)
            continue
        match = _LINE_RE.fullmatch(line)
        if match is None or match["key"] is None:
            return None
        key = _KEY_MEMO.get(match["key"], _ABSENT)
        if key is _ABSENT:
            key = _plain_key(match["key"])
        if key in result:
            return None  # duplicate: ruamel raises
        if match["value"] is not None:
            value = _line_value(match["value"])
            if value is not _ABSENT and len(_LINE_MEMO) < _MEMO_LIMIT:
                _LINE_MEMO[line] = (key, value)
                value = _own(value)  # the memo keeps the first, untouched
        else:
            value, index = _block_items(lines, index)
        if value is _ABSENT:
            return None
        result[key] = value
    return result


# ``key: value`` line -> (key, value), for the lines read so far.  A line's
# pair is a pure function of its text, and deal files repeat many whole lines
# (``stage: won``, ``currency: USD``, an owner, a source, a close date): one
# dict lookup instead of two regexes and the scalar memos.  A value is a
# scalar (immutable, shared like _MEMO's) or a one-line flow collection of
# scalars, copied on every use so no two documents share a container.
_LINE_MEMO: Final[dict[str, tuple[Any, Any]]] = {}


def _own(value: Any) -> Any:
    """``value`` for one document: a scalar as it is, a flow collection (of scalars) copied."""
    kind = type(value)
    return dict(value) if kind is dict else list(value) if kind is list else value


def _block_items(lines: list[str], index: int) -> tuple[Any, int]:
    """The block list starting at ``lines[index]`` (None if there is none): (value, next index)."""
    items: list[Any] = []
    indent = None
    while index < len(lines):
        match = _LINE_RE.fullmatch(lines[index])
        if match is None or match["item"] is None:
            break  # the next key (or a line the caller refuses)
        if indent is None:
            indent = match["indent"]
        elif match["indent"] != indent:
            return _ABSENT, index
        item = _line_value(match["item"])
        if item is _ABSENT:
            return _ABSENT, index
        items.append(item)
        index += 1
    return (items if items else None), index


def _line_value(text: str) -> Any:
    """The value of a one-line scalar or flow collection; _ABSENT when not in the narrow shape."""
    first = text[0]
    if first == "{":
        return _flow_items(text, _FLOW_ITEM_RE, {})
    if first == "[":
        return _flow_items(text, _FLOW_ENTRY_RE, [])
    if first == "'":
        return text[1:-1].replace("''", "'") if _SINGLE_RE.fullmatch(text) else _ABSENT
    if first == '"':
        return text[1:-1] if _DOUBLE_RE.fullmatch(text) else _ABSENT
    if _PLAIN_BLOCK_RE.fullmatch(text) is None:
        return _ABSENT
    found = _MEMO.get(text, _ABSENT)
    return _plain_value(text) if found is _ABSENT else found


def _flow_items(text: str, item: re.Pattern[str], into: Any) -> Any:
    """A one-line flow mapping (``into`` a dict) or list, item by item; _ABSENT if unusual."""
    end = len(text)
    position = 1
    if end < 2:
        return _ABSENT
    if text[1] in "}]":
        return into if end == 2 and text[1] == ("}" if isinstance(into, dict) else "]") else _ABSENT
    while position < end:
        match = item.match(text, position)
        if match is None:
            return _ABSENT
        plain, single, double = match["plain"], match["single"], match["double"]
        if plain is not None:
            value = _MEMO.get(plain, _ABSENT)
            if value is _ABSENT:
                value = _plain_value(plain)
        elif single is not None:
            value = single[1:-1].replace("''", "'")
        else:
            value = double[1:-1]
        if isinstance(into, dict):
            key = _KEY_MEMO.get(match["key"], _ABSENT)
            if key is _ABSENT:
                key = _plain_key(match["key"])
            if key in into:
                return _ABSENT
            into[key] = value
        else:
            into.append(value)
        position = match.end()
    return into


def load_fast(text: str | bytes) -> Any:
    """Load one YAML document exactly as ruamel would, or raise :class:`NeedsSlowPath`.

    ``bytes`` are decoded as UTF-8 (a leading UTF-8 BOM is allowed); UTF-16
    input or invalid UTF-8 raises NeedsSlowPath (ruamel decodes UTF-16 by BOM
    and raises ReaderError on invalid UTF-8).

    Raises NeedsSlowPath whenever the result might differ from ruamel's or
    ruamel would raise; the caller should then load the text with ruamel.
    """
    if isinstance(text, bytes):
        if text.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise NeedsSlowPath("UTF-16 input")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NeedsSlowPath("invalid UTF-8") from exc
    elif not isinstance(text, str):
        raise TypeError(f"expected str or bytes, not {type(text).__name__}")
    _prescan(text)
    try:
        plain = _read_lines(text)
        if plain is not None:
            return plain
        parser = _Parser(text)
        try:
            node = parser.get_single_node()  # parse + compose in C
        finally:
            parser.dispose()
        if node is None:  # empty stream / comments only
            return None
        if "&" in text:  # anchors (hence aliases) are possible
            return _build_memo(node, {})
        return _build(node)
    except NeedsSlowPath:
        raise
    except Exception as exc:
        # YAMLError (libyaml rejects the text), UnicodeEncodeError (lone
        # surrogates), ValueError/OverflowError (invalid dates, huge ints,
        # '._'), RecursionError (deep nesting), ...: ruamel decides.
        raise NeedsSlowPath(f"{type(exc).__name__}: {exc}") from exc


def compose_fast(text: str) -> Node | None:
    """libyaml's node tree of ``text`` (with line marks), where :func:`load_fast` trusts libyaml.

    For line numbers without a second, pure-Python parse: the same
    :func:`_prescan` refusals raise :class:`NeedsSlowPath`, and so does
    anything libyaml rejects.
    """
    _prescan(text)
    try:
        parser = _Parser(text)
        try:
            node: Node | None = parser.get_single_node()
        finally:
            parser.dispose()
    except Exception as exc:
        raise NeedsSlowPath(f"{type(exc).__name__}: {exc}") from exc
    return node


def key_of(node: Node) -> Any:
    """The value a mapping key node reads as (what :func:`load_fast` puts in the dict)."""
    if node.tag is _PLAIN:
        return _plain_key(node.value)
    if node.tag is _STR:
        return node.value
    raise NeedsSlowPath("complex or tagged mapping key")
