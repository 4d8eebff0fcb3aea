"""``edit_block`` rewrites one top-level block and keeps every other line byte for byte."""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from pipeline_tui.yaml.edit import edit_block

CONFIG = """\
# hand-aligned, keep it so
stages:
  - {name: lead,   probability: 0.1}
  - {name: won,    probability: 1.0, terminal: true}

team:           # owner -> manager
  alice: {manager: dana}

# the end
layout: flat
"""


def add_zed(tree: CommentedMap) -> None:
    member = CommentedMap()
    member.fa.set_flow_style()
    tree["team"]["zed"] = member


def test_only_the_edited_block_changes() -> None:
    new = edit_block(CONFIG, "team", add_zed, "pipeline.yaml")
    assert new == CONFIG.replace(
        "  alice: {manager: dana}\n", "  alice: {manager: dana}\n  zed: {}\n"
    )


def test_crlf_text_is_spliced_too_and_keeps_its_crlf() -> None:
    old = CONFIG.replace("\n", "\r\n")
    new = edit_block(old, "team", add_zed, "pipeline.yaml")
    assert new == old.replace(
        "  alice: {manager: dana}\r\n", "  alice: {manager: dana}\r\n  zed: {}\r\n"
    )


def test_several_blocks_one_unchanged_one_new() -> None:
    def edit(tree: CommentedMap) -> None:
        add_zed(tree)
        tree["sources"] = ["web"]

    new = edit_block(CONFIG, ("stages", "team", "sources"), edit, "pipeline.yaml")
    assert new == CONFIG.replace(
        "  alice: {manager: dana}\n", "  alice: {manager: dana}\n  zed: {}\n"
    ) + ("sources:\n  - web\n")


def test_a_new_last_block_leaves_the_blank_and_comment_lines_above_it_where_they_were() -> None:
    old = "team:\n  alice: {manager: dana}\n\n# the end\n"

    def edit(tree: CommentedMap) -> None:
        tree.insert(len(tree), "layout", "sharded")

    assert edit_block(old, "layout", edit, "pipeline.yaml") == old + "layout: sharded\n"
