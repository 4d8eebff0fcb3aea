"""Broken files are reported with file, line and field; the rest of the pipeline still loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.gitutil import commit_count

GOOD = """\
id: good-one
title: Good deal
account: ACME
stage: lead
created: 2026-09-01T10:00:00+00:00
"""

BROKEN: dict[str, tuple[bytes, int | None, str | None, str]] = {
    # name: (content, expected line, expected field, expected words)
    "syntax": (b"id: syntax\ntitle: [unclosed\naccount: A\n", 3, None, "YAML syntax error"),
    "wrong-type": (
        b"id: wrong-type\ntitle: T\naccount: A\nstage: lead\ncreated: 2026-09-01\namount: lots\n",
        6,
        "amount",
        "is not of type",
    ),
    "unknown-stage": (
        b"id: unknown-stage\ntitle: T\naccount: A\nstage: dreaming\ncreated: 2026-09-01\n",
        4,
        "stage",
        "unknown stage 'dreaming'",
    ),
    "missing-field": (
        b"id: missing-field\ntitle: T\nstage: lead\ncreated: 2026-09-01\n",
        1,
        "account",
        "is required",
    ),
    "conflict": (
        b"id: conflict\ntitle: T\naccount: A\n<<<<<<< HEAD\nstage: lead\n=======\n"
        b"stage: won\n>>>>>>> theirs\ncreated: 2026-09-01\n",
        4,
        None,
        "merge conflict",
    ),
    "latin1": (b"id: latin1\ntitle: Caf\xe9\naccount: A\n", 2, None, "not valid UTF-8"),
    "wrong-id": (
        b"id: another-name\ntitle: T\naccount: A\nstage: lead\ncreated: 2026-09-01\n",
        1,
        "id",
        "does not match the file name",
    ),
    "lost-no-reason": (
        b"id: lost-no-reason\ntitle: T\naccount: A\nstage: lost\ncreated: 2026-09-01\n",
        4,
        "lost_reason",
        "is required when the stage is 'lost'",
    ),
}


@pytest.fixture
def broken_repo(repo: Path) -> Path:
    opps = repo / "opportunities"
    (opps / "good-one.yaml").write_text(GOOD, encoding="utf-8")
    for name, (content, *_rest) in BROKEN.items():
        (opps / f"{name}.yaml").write_bytes(content)
    return repo


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validate_names_file_line_and_field(broken_repo: Path, run_cli: RunCli, name: str) -> None:
    result = run_cli("validate", "--json")
    assert result.exit_code == 1
    problems = [p for p in json.loads(result.stdout) if p["path"] == f"opportunities/{name}.yaml"]
    assert problems, f"no problem reported for {name}"
    _content, line, field, words = BROKEN[name]
    assert any(
        p["line"] == line and p["field"] == field and words in p["message"] for p in problems
    ), problems


def test_validate_text_output_is_one_line_per_problem(broken_repo: Path, run_cli: RunCli) -> None:
    result = run_cli("validate")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "opportunities/wrong-type.yaml:6: error: amount: 'lots' is not of type" in "\n".join(
        lines
    )
    assert "9 files checked: " in result.stdout


def test_list_and_show_still_serve_the_good_files(broken_repo: Path, run_cli: RunCli) -> None:
    listed = run_cli("list", "--json")
    assert listed.exit_code == 1  # the broken files are named, and every other deal listed
    assert [r["id"] for r in json.loads(listed.stdout)] == ["good-one"]
    reported = {line.split(":")[0] for line in listed.stderr.splitlines()}
    assert reported == {f"opportunities/{name}.yaml" for name in BROKEN}
    assert json.loads(run_cli("show", "good-one", "--json").stdout)["title"] == "Good deal"
    shown = run_cli("show", "wrong-type")
    assert shown.exit_code == 1
    assert "opportunities/wrong-type.yaml:6" in shown.stderr


def test_duplicate_ids_are_reported(repo: Path, run_cli: RunCli) -> None:
    opps = repo / "opportunities"
    (opps / "dup.yaml").write_text(GOOD.replace("good-one", "dup"), encoding="utf-8")
    (opps / "dup.yml.yaml").write_text(GOOD.replace("good-one", "dup"), encoding="utf-8")
    result = run_cli("validate", "--json")
    assert result.exit_code == 1
    messages = [p["message"] for p in json.loads(result.stdout)]
    assert any("does not match the file name" in m for m in messages)


def test_same_id_in_two_files_is_a_duplicate(repo: Path, run_cli: RunCli) -> None:
    from pipeline_tui.storage.store import Store

    opps = repo / "opportunities"
    (opps / "dup.yaml").write_text(GOOD.replace("good-one", "dup"), encoding="utf-8")
    sub = opps / "copy.yaml"
    sub.write_text(GOOD.replace("good-one", "dup"), encoding="utf-8")
    # The copy's id mismatches its file name, so it is refused; a true duplicate needs the
    # same id and a matching name, which only happens across folders or case variants.
    pipeline = Store(repo).load()
    assert [r.id for r in pipeline.opportunities] == ["dup"]
    assert any(p.path == "opportunities/copy.yaml" for p in pipeline.problems)


def test_invalid_write_is_refused_before_touching_disk(repo: Path, run_cli: RunCli) -> None:
    opp = run_cli("new", "T", "--account", "A", "--id", "deal").stdout.strip()
    path = repo / "opportunities" / f"{opp}.yaml"
    before_text, before_commits = path.read_bytes(), commit_count(repo)
    for bad in (
        "amount=-5",
        "currency=dollars",
        "probability=2",
        "contact.email=not-an-email",
        "source=carrier-pigeon",
    ):
        result = run_cli("set", opp, bad)
        assert result.exit_code == 1, bad
        assert "refused: the change would make opportunities/deal.yaml invalid" in result.stderr
    assert path.read_bytes() == before_text
    assert commit_count(repo) == before_commits
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_broken_config_is_a_clear_error(repo: Path, run_cli: RunCli) -> None:
    (repo / "pipeline.yaml").write_text(
        "stages:\n  - {name: lead, probability: 7}\n", encoding="utf-8"
    )
    result = run_cli("list")
    assert result.exit_code == 1
    assert result.stderr.startswith("pipeline: pipeline.yaml is invalid")
    assert "pipeline.yaml:2: error: stages.0.probability: 7 is greater than" in result.stderr
    assert "pipeline.yaml:1: error: stages: the value is too short" in result.stderr
