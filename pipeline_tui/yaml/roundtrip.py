"""The configured ruamel round-trip instance shared by editing and line lookup."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from io import StringIO
from typing import Any

from ruamel.yaml import YAML


def _represent_datetime(representer: Any, value: datetime) -> Any:
    """Datetimes as ISO-8601 with a ``T``, the way the file format documents them."""
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


def roundtrip_yaml(text: str = "") -> YAML:
    """A round-trip YAML instance whose indentation matches ``text``."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = _guess_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.representer.add_representer(datetime, _represent_datetime)
    return yaml


_KEY_LINE = re.compile(r"^( *)[^\s#-][^:]*:\s*(#.*)?$")


_CHILD_KEY = re.compile(r"^( +)[^\s#-][^:]*:")


_DASH = re.compile(r"^( *)- ")


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation used by ``text``; defaults match the docs."""
    mapping, sequence, offset = 2, 4, 2
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    found_map = found_seq = False
    for parent, child in itertools.pairwise(lines):
        head = _KEY_LINE.match(parent)
        if not head:
            continue
        base = len(head.group(1))
        dash = _DASH.match(child)
        key = _CHILD_KEY.match(child)
        if dash and not found_seq:
            offset = max(0, len(dash.group(1)) - base)
            sequence, found_seq = offset + 2, True
        elif key and not found_map and len(key.group(1)) > base:
            mapping, found_map = len(key.group(1)) - base, True
    return mapping, max(sequence, offset + 2), offset


def dump(yaml: YAML, tree: Any) -> str:
    buffer = StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()
