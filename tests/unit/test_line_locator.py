"""Lines from libyaml's marks are the lines ruamel's round-trip parse gives.

Files with a problem get line numbers; :func:`line_locator` reads them from a
C-speed libyaml pass instead of ruamel's pure-Python round trip, so for every
key path of every file both must name the same line (or both none).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pipeline_tui.yaml.read import line_locator, parse_fast, roundtrip_locator
from tests.hostile_files import GOOD

TEXTS = [
    GOOD,
    GOOD + "owner: stranger  # not in the team\n",
    "# a comment first\n\nid: a\ntitle: 'quoted: title'\naccount: A\nstage: lead\n"
    "contact:\n  name: Jane\n  email: not-an-email\n\n  role: cto\n"
    "tags: [a, b,\n  c]\n",
    "id: a\nactivities:\n  - {at: 2026-09-02T09:30:00+00:00, kind: call, by: alice}\n"
    "  - at: 2026-09-03\n    kind: visit\n    note: |\n      two\n      lines\n"
    "  -\n    kind: note\n",
    "id: a\nnotes: >\n  folded\n  text\nnext_step: {due: soon, action: call}\n"
    "conflicts:\n  amount: {ours: 1, theirs: 2}\n  stage:\n    ours: lead\n",
    'id: a\n"quoted key": 1\n1: one\nfalse: no\nnull: nothing\nlist:\n- - nested\n  - deeper\n',
    "stages:\n  - name: lead\n    probability: 0.1\n  - {name: won, terminal: true}\n",
    "base: &b {x: 1}\nother: *b\n",
]


def key_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from key_paths(item, (*prefix, key if isinstance(key, str | int) else str(key)))
            yield (*prefix, str(key))  # as jsonschema names it
        yield (*prefix, "missing")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from key_paths(item, (*prefix, index))
        yield (*prefix, len(value))


@pytest.mark.parametrize("text", TEXTS)
def test_fast_lines_are_the_round_trip_lines(text: str) -> None:
    fast, slow = line_locator(text), roundtrip_locator(text)
    paths = list(key_paths(parse_fast(text)))
    assert len(paths) > 3
    for path in paths:
        assert fast(list(path)) == slow(list(path)), path
    assert any(fast(list(path)) not in (None, 1) for path in paths)
