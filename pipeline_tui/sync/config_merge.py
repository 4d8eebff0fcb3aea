"""Two teammates' ``pipeline.yaml`` in one sync: their ``team:`` additions merge, nothing else.

``pipeline assign ... --new-owner`` (and ``import --team``) add a member to
``team:`` with the deal's commit, so two people each bringing in a new owner
both append a line at the end of the same block, and git's line merge stops
the rebase.  Sync settles that case here: a three-way merge of the parsed
files where the only key both sides changed is ``team:``, merged member by
member (:func:`~pipeline_tui.sync.merge.merge_fields`: the union, the
remote's order first, then the local additions; a member both sides changed
differently is still a conflict).  A key only one side changed is taken, as
git's line merge would have.  Stages, limits and every other setting the
team shares are not merged when both sides changed them: that is a decision
for the people, so :class:`ConfigClash` names the keys and sync stops with
the repository as it was.

The merged file is the remote's text with only the blocks that change
rewritten (:func:`pipeline_tui.yaml.edit.edit_block`), so comments, hand
alignment, line ends and a BOM survive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ruamel.yaml.comments import CommentedMap

from pipeline_tui.core.config import CONFIG_FILE
from pipeline_tui.core.errors import InvalidData
from pipeline_tui.core.model import same_value
from pipeline_tui.sync.merge import MISSING, merge_fields
from pipeline_tui.yaml.edit import edit_block, put_team_member, to_node
from pipeline_tui.yaml.read import parse_fast

TEAM_KEY: Final = "team"


class ConfigClash(ValueError):
    """Both sides changed ``pipeline.yaml`` beyond ``team:`` additions; ``keys`` says where."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys


def merge_config_texts(base: str, upstream: str, local: str) -> str:
    """``upstream``'s text with ``local``'s ``team:`` changes merged in.

    ``upstream`` is what teammates already pushed (git's stage 2 during
    sync's rebase), ``local`` the commit being replayed.  Raises
    :class:`ConfigClash` unless ``team:`` is the only key both changed and
    its members merge without a conflict.
    """
    b, u, loc = (_mapping(text) for text in (base, upstream, local))
    both = [
        key
        for key in dict.fromkeys([*b, *u, *loc])
        if not _same(u, loc, key) and not _same(u, b, key) and not _same(loc, b, key)
    ]
    if any(key != TEAM_KEY for key in both):
        raise ConfigClash([key for key in both if key != TEAM_KEY])
    result = merge_fields(b, u, loc)
    if result.conflicts:
        raise ConfigClash([c.field for c in result.conflicts])
    target = result.merged
    merged_team = target.get(TEAM_KEY)
    if not isinstance(merged_team, Mapping):
        raise ConfigClash([TEAM_KEY])
    # keys only the local commit changed (git would have merged them by line)
    taken = [k for k in dict.fromkeys([*u, *target]) if k != TEAM_KEY and not _same(u, target, k)]

    def mutate(tree: CommentedMap) -> None:
        for key in taken:
            if key in target:
                tree[key] = to_node(target[key], flow=False)
            else:
                del tree[key]
        team = tree.get(TEAM_KEY)
        if isinstance(team, CommentedMap):
            for name in [n for n in team if n not in merged_team]:
                del team[name]
        for name, details in merged_team.items():
            current = team.get(name, MISSING) if isinstance(team, CommentedMap) else MISSING
            if same_value(current, details):
                continue
            put_team_member(tree, str(name), details if isinstance(details, Mapping) else {})

    try:
        text = edit_block(upstream, [TEAM_KEY, *taken], mutate, CONFIG_FILE)
    except InvalidData:
        raise ConfigClash([TEAM_KEY]) from None
    written = _mapping(text)
    if list(written.get(TEAM_KEY) or ()) != list(merged_team) or not all(
        _same(written, target, k) for k in taken
    ):
        raise ConfigClash([TEAM_KEY])
    return text


def _same(a: Mapping[str, Any], b: Mapping[str, Any], key: str) -> bool:
    return same_value(a.get(key, MISSING), b.get(key, MISSING))


def _mapping(text: str) -> Mapping[str, Any]:
    """The parsed file (``{}`` if empty); a file that is not a mapping cannot be merged."""
    try:
        data = parse_fast(text.replace("\r\n", "\n").removeprefix("\ufeff")) if text.strip() else {}
    except Exception:  # any YAML error: sync stops as for any unmergeable file
        raise ConfigClash([CONFIG_FILE]) from None
    if not isinstance(data, Mapping):
        raise ConfigClash([CONFIG_FILE])
    return data
