"""Hostile deal files shared by the hostile-input tests: alias bombs, deep nesting, huge numbers."""

from __future__ import annotations

from pathlib import Path

from tests.gitutil import git

GOOD = """\
id: good-one
title: Good deal
account: ACME
stage: lead
amount: 1000
created: 2026-09-01T10:00:00+00:00
"""


def alias_bomb(levels: int = 9) -> str:
    """The classic "billion laughs": each level is ten aliases of the one before."""
    lines = ["id: bomb", "title: Bomb", "account: A", "stage: lead", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*a{level - 1}" for _ in range(10))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def deep_nesting(depth: int = 600) -> str:
    """A deal whose notes are ``depth`` nested flow sequences."""
    return "id: deep\ntitle: Deep\naccount: A\nstage: lead\nnotes: " + "[" * depth + "\n"


def put(repo: Path, name: str, text: str, *, commit: bool = True) -> Path:
    """Write ``opportunities/name.yaml`` (and commit it, as a teammate would)."""
    path = repo / "opportunities" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    if commit:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"add {name}")
    return path
