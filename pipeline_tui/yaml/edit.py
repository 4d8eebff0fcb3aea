"""Round-trip edits: change a file's values while keeping its comments, order and layout.

Every write goes through ruamel's round-trip mode here, so the lines the user
wrote survive and an edit changes only the lines it must.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from pipeline_tui.core.errors import BadRequest, InvalidData
from pipeline_tui.core.model import KNOWN_FIELDS, same_value
from pipeline_tui.i18n import _
from pipeline_tui.yaml.blocks import Unsplittable, split_blocks
from pipeline_tui.yaml.guard import guard
from pipeline_tui.yaml.read import parse_fast
from pipeline_tui.yaml.roundtrip import dump, roundtrip_yaml


def render_new(fields: Mapping[str, Any]) -> str:
    """YAML text for a new opportunity, fields in the order given."""
    tree = CommentedMap()
    for key, value in fields.items():
        tree[key] = to_node(value, flow=key != "activities")
    return dump(roundtrip_yaml(), tree)


def edit_text(old: str, mutate: Callable[[CommentedMap], None], where: str) -> str:
    """``old`` with ``mutate`` applied to its round-trip tree.

    Line endings (CRLF from a Windows editor) and a leading BOM are kept,
    so an edit still changes only the lines it must.  The text is read with
    LF line ends and its CRLF put back once at the end: ruamel keeps a
    comment's ``\r`` inside the comment, so converting its output would
    have ended every commented line in ``\r\r\n``.
    """
    guard(old)
    text, crlf = _lf_text(old)
    yaml = roundtrip_yaml(text)
    tree = yaml.load(text.removeprefix("\ufeff"))
    if not isinstance(tree, CommentedMap):
        raise InvalidData(_("{where}: the file must hold a mapping of fields").format(where=where))
    mutate(tree)
    new = dump(yaml, tree)
    new = "\ufeff" + new if text.startswith("\ufeff") else new
    return _with_line_ends(new, crlf)


def edit_block(
    old: str, keys: str | Collection[str], mutate: Callable[[CommentedMap], None], where: str
) -> str:
    """:func:`edit_text`, keeping every line outside the top-level blocks ``keys`` byte for byte.

    ruamel re-renders the flow mappings it loads (``{name: lead,   probability:
    0.1}`` loses its alignment), so an edit of ``team:`` in a hand-aligned
    ``pipeline.yaml`` would also rewrite the stage lines.  Only the blocks of
    ``keys`` whose values changed are taken from the round-trip result (a
    block the edit adds goes after the block before it there); the spliced
    text must parse to what the round-trip result says, else the round-trip
    result is used.
    A CRLF file is spliced with LF line ends and given its CRLF back.
    """
    result = edit_text(old, mutate, where)
    (before, crlf), (after, _crlf) = _lf_text(old), _lf_text(result)
    try:
        old_blocks, new_blocks = split_blocks(before), split_blocks(after)
        text = before if before.endswith("\n") else before + "\n"
        wanted = {keys} if isinstance(keys, str) else set(keys)
        order = list(new_blocks)
        now = dict(old_blocks)  # each block as it stands in ``text``
        for key in sorted(wanted, key=lambda k: order.index(k) if k in order else -1):
            text = _splice(text, key, now, new_blocks.get(key), order)
    except Unsplittable:
        return result
    return _with_line_ends(text, crlf) if parse_fast(text) == parse_fast(after) else result


def _splice(text: str, key: str, now: dict[str, str], block: str | None, order: list[str]) -> str:
    """``text`` with ``key``'s block replaced by ``block`` (None: removed); ``now`` follows."""
    current = now.get(key)
    if current == block or (current and block and parse_fast(current) == parse_fast(block)):
        return text  # the same values: the lines as the person wrote them stay
    if current is not None:
        start = _block_start(text, current)
        end = start + len(current) + 1
    else:  # a new key: after the block before it in the edit's order (first: before all)
        block = _own_lines(block) if block is not None else None
        earlier = [now[k] for k in order[: order.index(key)] if k in now]
        following = [now[k] for k in order[order.index(key) + 1 :] if k in now]
        if earlier:
            start = end = _block_start(text, earlier[-1]) + len(earlier[-1]) + 1
        elif following:
            start = end = _block_start(text, following[0])
        else:
            start = end = len(text)
    if block is None:
        del now[key]
        return text[:start] + text[end:]
    now[key] = block
    return text[:start] + block + "\n" + text[end:]


def _own_lines(block: str) -> str:
    """A new block without the blank and comment lines ruamel moved after it from above."""
    lines = block.split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return "\n".join(lines)


def _block_start(text: str, block: str) -> int:
    """Where ``block`` (it starts with its key's line, at column 0) begins in ``text``."""
    if text.startswith(block + "\n"):
        return 0
    found = text.find("\n" + block + "\n")
    if found < 0:
        raise Unsplittable("a block is not where the splitter put it")
    return found + 1


def _lf_text(text: str) -> tuple[str, bool]:
    """``text`` with LF line ends, and whether it had CRLF ones (the file's style to keep)."""
    return (text.replace("\r\n", "\n"), True) if "\r\n" in text else (text, False)


def _with_line_ends(text: str, crlf: bool) -> str:
    """LF ``text`` back in the file's own line-end style."""
    return text.replace("\n", "\r\n") if crlf else text


def set_dotted(tree: CommentedMap, key: str, value: Any) -> None:
    """Set ``contact.email``-style keys, creating nested mappings (flow style) as needed."""
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if child is not None and not isinstance(child, CommentedMap):
            raise BadRequest(
                _("{key!r}: {part!r} holds a plain value, not a group of fields").format(
                    key=key, part=part
                )
            )
        if child is None:
            child = CommentedMap()
            child.fa.set_flow_style()
            _put(tree, node, part, child)
        else:
            child = unshared(tree, node, part)
        node = child
    if value is None:
        node.pop(parts[-1], None)
    elif node is tree and isinstance(value, str) and "\n" in value.strip():
        _put(tree, node, parts[-1], LiteralScalarString(value))  # notes: as a person writes them
    else:
        _put(tree, node, parts[-1], to_node(value, flow=True))


def unshared(tree: CommentedMap, parent: CommentedMap, key: str) -> Any:
    """``parent[key]``, first replaced by a copy of its own if a YAML alias shares it.

    Why: ``contact: &c {...}`` and ``billing: *c`` load as one object, so
    writing ``billing.name`` into it would change ``contact.name`` too, a
    change nobody asked for.  The field written gets a plain copy (no anchor)
    and every other use keeps the original node and its anchor; a comment
    stays on the line it was written on.  Only anchored nodes are looked at
    (ruamel marks them), so a file without anchors costs one attribute read.
    """
    node = parent[key]
    if not isinstance(node, CommentedMap | CommentedSeq) or node.anchor.value is None:
        return node
    uses = list(_uses(tree, node))
    if len(uses) < 2:
        return node
    parent[key] = copy = _plain_copy(node)
    node.anchor.always_dump = True  # `&c` stays written even when no alias is left
    _keep_comment_in_place(node, copy, uses, (parent, key))
    return copy


def _uses(tree: Any, node: Any) -> Iterator[tuple[Any, Any]]:
    """Each (parent, key) holding ``node`` (the same object), in document order."""
    if isinstance(tree, CommentedMap):
        pairs: Iterable[tuple[Any, Any]] = tree.items()
    elif isinstance(tree, CommentedSeq):
        pairs = enumerate(tree)
    else:
        return
    for key, value in pairs:
        if value is node:
            yield tree, key
        else:
            yield from _uses(value, node)


def _keep_comment_in_place(
    node: Any, copy: Any, uses: list[tuple[Any, Any]], written: tuple[Any, Any]
) -> None:
    """A shared node's comments stay on the lines where they were written.

    ruamel files that comment under every key using the node and writes it
    where the anchor goes (the first use).  Writing the first use: the copy
    takes the comment; writing another: that key forgets its borrowed entry.
    """
    first = uses[0]
    written_first = first[0] is written[0] and first[1] == written[1]
    if written_first:  # the lines of the anchor's own items keep their comments too
        copy.ca.items.update(node.ca.items)
        node.ca.items.clear()
    own = node.ca.comment[0] if node.ca.comment else None
    if own is None:
        return
    if written_first:
        copy.ca.comment = node.ca.comment
        node.ca.comment = None
        forget = uses
    else:
        forget = [written]
    for parent, key in forget:
        entry = parent.ca.items.get(key) if isinstance(parent, CommentedMap) else None
        if entry is not None and len(entry) > 2 and entry[2] is own and (parent, key) != first:
            entry[2] = None


def _plain_copy(node: Any) -> Any:
    """A new node with ``node``'s values and flow style, without anchors or comments."""
    if isinstance(node, CommentedMap):
        new_map = CommentedMap((key, _plain_copy(value)) for key, value in node.items())
        if node.fa.flow_style():
            new_map.fa.set_flow_style()
        return new_map
    if isinstance(node, CommentedSeq):
        new_seq = CommentedSeq(_plain_copy(item) for item in node)
        if node.fa.flow_style():
            new_seq.fa.set_flow_style()
        return new_seq
    return node


def _put(tree: CommentedMap, node: CommentedMap, key: str, value: Any) -> None:
    """Assign in place; a new top-level known field goes where the docs order it."""
    if key in node or node is not tree:
        node[key] = value
    else:
        tree.insert(_insert_position(tree, key), key, value)


def _insert_position(tree: CommentedMap, key: str) -> int:
    """Where a new top-level key goes: after the known fields that precede it."""
    if key not in KNOWN_FIELDS:
        return len(tree)
    earlier = set(KNOWN_FIELDS[: KNOWN_FIELDS.index(key)])
    position = 0
    for index, existing in enumerate(tree):
        if existing in earlier:
            position = index + 1
    return position


def append_item(tree: CommentedMap, key: str, item: Mapping[str, Any]) -> None:
    """Append a flow-style mapping to the block sequence ``key``, creating it if needed."""
    seq = tree.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        tree.insert(_insert_position(tree, key), key, seq)
    seq = unshared(tree, tree, key)
    seq.append(to_node(item, flow=True))


def put_team_member(tree: CommentedMap, name: str, details: Mapping[str, Any]) -> None:
    """Add ``name`` to ``pipeline.yaml``'s ``team:`` (created if missing), or fill in its details.

    A member is a flow mapping (``alice: {manager: dana}``), as ``pipeline
    init`` writes them; empty details are left out, existing ones are kept
    unless ``details`` names them again.
    """
    team = tree.get("team")
    if not isinstance(team, CommentedMap):
        team = CommentedMap()
        tree["team"] = team
    team = unshared(tree, tree, "team")
    entry = team.get(name)
    if not isinstance(entry, CommentedMap):
        entry = CommentedMap()
        entry.fa.set_flow_style()
        team[name] = entry
    entry = unshared(tree, team, name)
    entry.update((key, value) for key, value in details.items() if value)


def rewrite_to(
    text: str, target: Mapping[str, Any], block_keys: Collection[str] = ("activities",)
) -> str:
    """``text`` edited so that it parses to ``target``, touching only what differs.

    A merged or resolved file must keep the comments, key order, quoting and
    layout its author wrote: unchanged keys keep their nodes, changed values are
    replaced in place, new keys go where :func:`set_dotted` would put them, and
    sequences keep the items that survive (so an appended activity is an insert).
    New top-level ``block_keys`` are written in block style, their items in flow.
    Line endings and a leading BOM are kept as :func:`edit_text` keeps them, so
    a merge or a resolution of a Windows user's file is not a whole-file diff.
    """
    guard(text)
    lf, crlf = _lf_text(text)
    bom = lf.startswith("\ufeff")
    lf = lf.removeprefix("\ufeff")
    yaml = roundtrip_yaml(lf)
    tree = yaml.load(lf) if lf.strip() else None
    old = parse_fast(lf) if lf.strip() else None
    if not isinstance(tree, CommentedMap) or not isinstance(old, Mapping):
        tree, old = CommentedMap(), {}
    _reconcile_map(tree, tree, old, target, block_keys)
    result = dump(yaml, tree)
    if not same_value(parse_fast(result), dict(target)):  # never hand back a misread file
        raise InvalidData(_("the YAML writer could not represent this content faithfully"))
    return _with_line_ends("\ufeff" + result if bom else result, crlf)


def _reconcile_map(
    top: CommentedMap,
    node: CommentedMap,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    block_keys: Collection[str],
) -> None:
    for key in [k for k in node if k not in new]:
        del node[key]
    for key, value in new.items():
        before = old.get(key)
        if key in old and same_value(before, value):
            continue
        current = node.get(key)
        if isinstance(value, Mapping) and isinstance(current, CommentedMap):
            old_map = before if isinstance(before, Mapping) else {}
            _reconcile_map(top, unshared(top, node, key), old_map, value, block_keys)
        elif isinstance(value, list) and isinstance(current, CommentedSeq):
            old_list = before if isinstance(before, list) else []
            _reconcile_seq(unshared(top, node, key), old_list, value)
        else:
            block = node is top and key in block_keys
            _put(top, node, key, to_node(value, flow=not block))


def _reconcile_seq(seq: CommentedSeq, old: list[Any], new: list[Any]) -> None:
    """Delete vanished items and insert new ones, keeping surviving item nodes."""
    if len(old) != len(seq):
        old = [None] * len(seq)
    unclaimed = list(new)
    kept: list[Any] = []
    for index in range(len(old) - 1, -1, -1):
        match = next((i for i, v in enumerate(unclaimed) if same_value(v, old[index])), None)
        if match is None:
            del seq[index]
        else:
            kept.insert(0, unclaimed.pop(match))
    cursor = 0
    for position, item in enumerate(new):
        if cursor < len(kept) and same_value(kept[cursor], item):
            cursor += 1
        else:
            seq.insert(position, to_node(item, flow=True))
    if cursor != len(kept):  # the survivors changed order: rebuild
        del seq[:]
        seq.extend(to_node(item, flow=True) for item in new)


def to_node(value: Any, flow: bool) -> Any:
    """Plain Python values to ruamel nodes; nested mappings in flow style ({a: 1}).

    Strings starting with ``:`` or ``?`` are quoted: ruamel writes them plain
    inside flow collections (``{email: :x}``) and then cannot read them back.
    """
    if isinstance(value, str) and value[:1] in (":", "?"):
        return DoubleQuotedScalarString(value)
    if isinstance(value, Mapping) and not isinstance(value, CommentedMap):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = to_node(v, flow=True)
        if flow:
            node.fa.set_flow_style()
        return node
    if isinstance(value, list | tuple) and not isinstance(value, CommentedSeq):
        seq = CommentedSeq(to_node(v, flow=True) for v in value)
        if flow and not any(isinstance(v, Mapping) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value
