"""A fast YAML renderer for simple records, used where the round-trip dumper is too slow."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ruamel.yaml.resolver import VersionedResolver


def render_plain_fields(fields: Mapping[str, Any]) -> str | None:
    """The text :meth:`Store.render_new` would write, for simple records; None otherwise.

    The round-trip dumper costs about a millisecond per file, which is most
    of a 10,000-row import.  Records of scalars (and flat ``contact``-style
    mappings and tag lists) are written directly here, quoting exactly where
    YAML would read a value back as something else; anything unusual returns
    None so the caller falls back to the dumper.  Tests check both agree.
    """
    if not fields:
        return None
    lines: list[str] = []
    for key, value in fields.items():
        if not _PLAIN_KEY.match(key):
            return None
        if isinstance(value, Mapping):
            items = [(k, _flow_scalar(v)) for k, v in value.items()]
            if any(text is None or not _PLAIN_KEY.match(k) for k, text in items):
                return None
            lines.append(f"{key}: {{{', '.join(f'{k}: {t}' for k, t in items)}}}")
        elif isinstance(value, list | tuple):
            texts = [_flow_scalar(v) for v in value]
            if any(t is None for t in texts):
                return None
            lines.append(f"{key}: [{', '.join(t for t in texts if t is not None)}]")
        else:
            text = _block_scalar(value)
            if text is None:
                return None
            lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_SAFE_PLAIN = re.compile(r"^[A-Za-z0-9\u00c0-\uffff(][^\x00-\x1f\x7f#]*$")


_UNPRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)


_STR_TAG = "tag:yaml.org,2002:str"

#: ruamel's YAML 1.2 implicit resolvers, by first character (what the dumper consults).
_IMPLICIT = VersionedResolver().versioned_resolver


def _reads_as_string(value: str) -> bool:
    """ruamel's ``resolve(ScalarNode, value, (True, False)) == str``, without its per-call cost.

    The resolver's lookup of the YAML version for every value was a tenth of
    an import's rendering; the table it consults is the same for every call.
    """
    for tag, regexp in (*_IMPLICIT.get(value[:1], ()), *_IMPLICIT.get(None, ())):
        if regexp.match(value):
            return bool(tag == _STR_TAG)
    return True


def _block_scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if re.fullmatch(r"-?\d+\.\d+", text) else None
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo is not None else None
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value or len(value) > 1000:
        return None
    return _quoted_if_needed(value, ": ", " #")


def _flow_scalar(value: Any) -> str | None:
    if isinstance(value, str):
        if any(c in value for c in ",[]{}"):
            return None
        return _quoted_if_needed(value, ":", " #")
    if isinstance(value, Mapping | list | tuple | datetime):
        return None
    return _block_scalar(value)


@functools.lru_cache(maxsize=16384)
def _quoted_if_needed(value: str, *unsafe: str) -> str | None:
    """Plain if YAML reads it back as the same string, else single-quoted (or None).

    Cached: an import writes the same owners, stages and accounts thousands of times.
    """
    if _UNPRINTABLE.search(value):
        return None
    plain = (
        _SAFE_PLAIN.match(value)
        and value == value.strip()
        and not value.endswith(":")
        and not any(u in value for u in unsafe)
        and _reads_as_string(value)
    )
    if plain:
        return value
    if value != value.strip():
        return None
    if "'" in value and '"' not in value and "\\" not in value:
        return f'"{value}"'  # what the round-trip dumper picks too
    return "'" + value.replace("'", "''") + "'"
