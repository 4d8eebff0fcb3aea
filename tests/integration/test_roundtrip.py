"""A hand-written, commented file keeps everything but the edited lines."""

from __future__ import annotations

import difflib
from pathlib import Path

from tests.conftest import RunCli
from tests.gitutil import git

HAND_WRITTEN = """\
# Big one: keep an eye on procurement.
id: acme-crm-rollout-7k3f      # slug; equals the file name without .yaml
title: "CRM rollout for ACME"
account: ACME Corp

stage: proposal                 # one of pipeline.yaml stages
amount: 120000                  # number >= 0
currency: USD
owner: alice
source: referral                # one of pipeline.yaml sources
created: 2026-09-01T10:00:00+00:00
expected_close: 2026-12-15
next_step: {due: 2026-11-25, action: Send revised quote}
contact: {name: Jane Roe, email: jane@acme.example, role: CTO}
profile: {industry: manufacturing, size: 200-1000}
tags: [b2b]
activities:
  - {at: 2026-09-02T09:30:00+00:00, kind: call, by: alice, note: Intro call}

# Custom fields below: ours, not the tool's.
region: 'EMEA'
notes: |
  Free text, kept verbatim.
    Indented line stays indented.
"""


def write_hand_file(repo: Path, text: str = HAND_WRITTEN) -> Path:
    path = repo / "opportunities" / "acme-crm-rollout-7k3f.yaml"
    path.write_text(text, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "hand-written deal")
    return path


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_set_changes_only_the_edited_line(repo: Path, run_cli: RunCli) -> None:
    path = write_hand_file(repo)
    assert run_cli("set", "acme-crm-rollout-7k3f", "amount=135000").exit_code == 0
    assert changed_lines(HAND_WRITTEN, path.read_text(encoding="utf-8")) == [
        "-amount: 120000                  # number >= 0",
        "+amount: 135000                  # number >= 0",
    ]


def test_nested_flow_edit_keeps_the_flow_mapping(repo: Path, run_cli: RunCli) -> None:
    path = write_hand_file(repo)
    assert run_cli("set", "acme-crm-rollout-7k3f", "next_step.due=2026-11-30").exit_code == 0
    assert changed_lines(HAND_WRITTEN, path.read_text(encoding="utf-8")) == [
        "-next_step: {due: 2026-11-25, action: Send revised quote}",
        "+next_step: {due: 2026-11-30, action: Send revised quote}",
    ]


def test_move_and_log_touch_only_their_lines(repo: Path, run_cli: RunCli) -> None:
    path = write_hand_file(repo)
    run_cli("move", "acme-crm-rollout-7k3f", "negotiation")
    run_cli(
        "--as",
        "bob",
        "log",
        "acme-crm-rollout-7k3f",
        "--kind",
        "email",
        "--note",
        "Quote sent",
        "--at",
        "2026-11-20T08:00:00+00:00",
    )
    assert changed_lines(HAND_WRITTEN, path.read_text(encoding="utf-8")) == [
        "-stage: proposal                 # one of pipeline.yaml stages",
        "+stage: negotiation              # one of pipeline.yaml stages",
        "+  - {at: 2026-11-20T08:00:00+00:00, kind: email, by: bob, note: Quote sent}",
    ]


def test_other_indentation_styles_are_kept(repo: Path, run_cli: RunCli) -> None:
    text = (
        "id: acme-crm-rollout-7k3f\ntitle: T\naccount: A\nstage: lead\n"
        "created: 2026-09-01\ncontact:\n    name: Jane\n    email: j@a.example\n"
        "tags:\n- one\n- two\n"
    )
    path = write_hand_file(repo, text)
    assert run_cli("set", "acme-crm-rollout-7k3f", "title=New title").exit_code == 0
    assert changed_lines(text, path.read_text(encoding="utf-8")) == [
        "-title: T",
        "+title: New title",
    ]


def test_custom_fields_survive_every_command(repo: Path, run_cli: RunCli) -> None:
    path = write_hand_file(repo)
    run_cli("assign", "acme-crm-rollout-7k3f", "bob")
    run_cli("close", "acme-crm-rollout-7k3f", "lost", "--reason", "price")
    text = path.read_text(encoding="utf-8")
    assert "region: 'EMEA'" in text
    assert "# Custom fields below: ours, not the tool's." in text
    assert "    Indented line stays indented.\n" in text
    assert "lost_reason: price" in text
