"""The field-wise merge: pure rules, the round-trip text merge, and the driver as git runs it."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_tui.cli import cli
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.storage.filecheck import check_opportunity_text
from pipeline_tui.storage.store import Store
from pipeline_tui.sync.merge import MISSING, merge_activities, merge_fields, merge_texts
from pipeline_tui.sync.merge_driver import run_driver
from pipeline_tui.yaml.edit import rewrite_to
from pipeline_tui.yaml.read import parse_fast
from tests.decoy import plant_decoy
from tests.teammates import git

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def act(hour: int, note: str) -> dict[str, Any]:
    return {"at": T0 + timedelta(hours=hour), "kind": "note", "by": "x", "note": note}


# --------------------------------------------------------------------------- pure rules


def test_each_side_changes_a_different_field() -> None:
    base = {"amount": 1, "owner": "a", "notes": "n"}
    result = merge_fields(base, {**base, "amount": 2}, {**base, "owner": "b"})
    assert result.merged == {"amount": 2, "owner": "b", "notes": "n"} and not result.conflicts


def test_same_value_on_both_sides_is_no_conflict() -> None:
    base = {"stage": "lead"}
    assert merge_fields(base, {"stage": "won"}, {"stage": "won"}).merged == {"stage": "won"}


def test_different_values_conflict_and_keep_ours_in_place() -> None:
    result = merge_fields({"stage": "lead"}, {"stage": "qualified"}, {"stage": "proposal"})
    assert result.merged == {"stage": "qualified"}
    [conflict] = result.conflicts
    assert (conflict.field, conflict.base, conflict.ours, conflict.theirs) == (
        "stage",
        "lead",
        "qualified",
        "proposal",
    )


def test_removal_on_one_side_wins_over_no_change() -> None:
    base = {"notes": "old", "owner": "a"}
    assert merge_fields(base, {"owner": "a"}, base).merged == {"owner": "a"}


def test_removal_against_a_change_is_a_conflict() -> None:
    [conflict] = merge_fields({"notes": "old"}, {}, {"notes": "new"}).conflicts
    assert conflict.ours is MISSING and conflict.theirs == "new"


def test_nested_mappings_merge_per_key() -> None:
    base = {"contact": {"name": "Jane", "email": "j@a.example"}}
    ours = {"contact": {"name": "Jane Roe", "email": "j@a.example"}}
    theirs = {"contact": {"name": "Jane", "email": "jane@a.example"}}
    result = merge_fields(base, ours, theirs)
    assert result.merged == {"contact": {"name": "Jane Roe", "email": "jane@a.example"}}


def test_int_and_bool_are_not_the_same_edit() -> None:
    """``1 == True`` in Python; a merge that trusted it would lose this edit."""
    result = merge_fields({"flag": 1}, {"flag": 1}, {"flag": True})
    assert result.merged["flag"] is True


def test_activities_union_in_time_order_without_duplicates() -> None:
    shared = act(0, "shared")
    ours = [shared, act(5, "ours late"), act(2, "ours early")]
    theirs = [shared, act(3, "theirs"), act(5, "ours late")]  # same entry logged both sides
    merged = merge_activities([shared], ours, theirs)
    assert [a["note"] for a in merged] == ["shared", "ours early", "theirs", "ours late"]


def test_activity_removed_on_one_side_stays_removed() -> None:
    gone, kept = act(1, "typo"), act(2, "kept")
    merged = merge_activities([gone, kept], [kept], [gone, kept, act(3, "new")])
    assert [a["note"] for a in merged] == ["kept", "new"]


# --------------------------------------------------------------------------- texts


BASE_TEXT = """\
# Top comment: survives merges
id: acme-1
title: "CRM rollout"    # quoted on purpose
account: ACME Corp
stage: lead
amount: 1000
created: 2026-11-01T10:00:00+00:00
contact: {name: Jane, email: jane@acme.example}
activities:
  - {at: 2026-11-02T10:00:00+00:00, kind: call, by: alice, note: first}

notes: |
  Long notes
  on two lines.
"""


def test_text_merge_keeps_comments_quotes_and_layout() -> None:
    ours = BASE_TEXT.replace("amount: 1000", "amount: 2000")
    theirs = BASE_TEXT.replace("Jane,", "Janet,").replace(
        "note: first}\n",
        "note: first}\n  - {at: 2026-11-03T10:00:00+00:00, kind: note, by: bob, note: hi}\n",
    )
    merged = merge_texts(BASE_TEXT, ours, theirs)
    assert not merged.conflicts
    expected = ours.replace("Jane,", "Janet,").replace(
        "note: first}\n",
        "note: first}\n  - {at: 2026-11-03T10:00:00+00:00, kind: note, by: bob, note: hi}\n",
    )
    assert merged.text == expected


def test_recorded_conflict_is_a_validation_error_with_a_line() -> None:
    ours = BASE_TEXT.replace("stage: lead", "stage: qualified")
    theirs = BASE_TEXT.replace("stage: lead", "stage: proposal")
    merged = merge_texts(BASE_TEXT, ours, theirs)
    assert "<<<<<<<" not in merged.text
    config = PipelineConfig.from_mapping(
        {"stages": [{"name": n, "probability": 0.5} for n in ("lead", "qualified", "proposal")]}
    )
    record, problems = check_opportunity_text(merged.text, "opportunities/acme-1.yaml", config)
    assert record is None
    [problem] = problems
    lines = merged.text.splitlines()
    assert problem.field == "conflicts.stage" and problem.line is not None
    assert lines[problem.line - 1].strip().startswith("stage: {ours: qualified")
    assert "pipeline resolve acme-1" in problem.message


def test_rewrite_to_removes_and_reorders_sequence_items() -> None:
    text = "tags: [a, b, c]  # keep\nx: 1\n"
    first, second = rewrite_to(text, {"tags": ["a", "c"], "x": 1}).splitlines()
    assert first.startswith("tags: [a, c]") and first.endswith("# keep") and second == "x: 1"
    assert parse_fast(rewrite_to(text, {"tags": ["c", "a"], "x": 1})) == {
        "tags": ["c", "a"],
        "x": 1,
    }


# --------------------------------------------------------------------------- the driver


def test_git_merge_uses_the_driver_with_ours_as_the_current_branch(repo: Path) -> None:
    ws = Workspace(repo)
    ws.create("CRM", "ACME", opp_id="acme-1")
    git(repo, "switch", "--quiet", "-c", "teammate")
    ws.set_fields("acme-1", {"amount": 5, "owner": "bob"})
    git(repo, "switch", "--quiet", "main")
    ws.set_fields("acme-1", {"amount": 7, "source": "event"})
    git(repo, "merge", "--quiet", "--no-edit", "teammate")  # exits 0: recorded, not markers
    data = Store(repo).opportunity_path("acme-1").read_text("utf-8")
    parsed = parse_fast(data)
    assert parsed["owner"] == "bob" and parsed["source"] == "event" and parsed["amount"] == 7
    assert parsed["conflicts"] == {"amount": {"ours": 7, "theirs": 5}}


def test_the_driver_never_imports_code_from_the_repository(repo: Path, tmp_path: Path) -> None:
    ws = Workspace(repo)
    ws.create("CRM", "ACME", opp_id="acme-1")
    git(repo, "switch", "--quiet", "-c", "teammate")
    ws.set_fields("acme-1", {"owner": "bob"})
    git(repo, "switch", "--quiet", "main")
    ws.set_fields("acme-1", {"source": "event"})
    mark = tmp_path / "decoy-ran"
    plant_decoy(repo, mark)  # git runs the driver at the top of the work tree
    git(repo, "merge", "--quiet", "--no-edit", "teammate")
    parsed = parse_fast(Store(repo).opportunity_path("acme-1").read_text("utf-8"))
    assert (parsed["owner"], parsed["source"]) == ("bob", "event")  # merged field-wise
    assert not mark.exists()


def test_driver_leaves_the_file_alone_when_a_side_is_not_yaml(tmp_path: Path) -> None:
    base, current, other = (tmp_path / n for n in ("o", "a", "b"))
    base.write_text("amount: 1\n", "utf-8")
    current.write_text("amount: 2\n", "utf-8")
    other.write_text("amount: [unclosed\n", "utf-8")
    result = CliRunner().invoke(
        cli, ["merge-driver", str(base), str(current), str(other), "opportunities/x.yaml"]
    )
    assert result.exit_code == 1 and "cannot merge opportunities/x.yaml" in result.output
    assert current.read_text("utf-8") == "amount: 2\n"


# --------------------------------------------------------------------------- property


SCALARS = st.one_of(
    st.integers(min_value=0, max_value=3),
    st.text(alphabet="ab #:-é中'\"", min_size=1, max_size=5),
)
FIELDS = ("title", "amount", "owner", "notes", "priority")
KEEP, DROP = "keep", "drop"
EDIT = st.one_of(st.just(KEEP), st.just(DROP), SCALARS)


def _edit(base: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    side = dict(base)
    for key, edit in edits.items():
        if edit == DROP:
            side.pop(key, None)
        elif edit != KEEP:
            side[key] = edit
    return side


def _expected(base: Any, ours: Any, theirs: Any, field: str, conflicts: dict[str, Any]) -> Any:
    """The field-wise rule, written out independently of the implementation."""
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if field == "activities":
        base, ours, theirs = (v if isinstance(v, list) else [] for v in (base, ours, theirs))
        removed = [a for a in base if a not in ours or a not in theirs]
        union = [a for a in ours + [t for t in theirs if t not in ours] if a not in removed]
        return sorted(union, key=lambda a: a["at"])
    if isinstance(ours, dict) and isinstance(theirs, dict) and isinstance(base, dict):
        merged = {}
        for key in {*base, *ours, *theirs}:
            value = _expected(
                base.get(key, MISSING),
                ours.get(key, MISSING),
                theirs.get(key, MISSING),
                f"{field}.{key}",
                conflicts,
            )
            if value is not MISSING:
                merged[key] = value
        return merged
    entry = {
        "ours": None if ours is MISSING else ours,
        "theirs": None if theirs is MISSING else theirs,
    }
    if base is not MISSING:
        entry["base"] = base
    conflicts[field] = entry
    return ours


@st.composite
def activity_lists(draw: st.DrawFn) -> tuple[list[Any], list[Any], list[Any]]:
    hours = draw(st.lists(st.integers(0, 200), min_size=0, max_size=6, unique=True))
    items = [act(h, f"n{h}") for h in hours]
    base = items[: len(items) // 3]
    ours = [a for a in base if draw(st.booleans())] + items[len(items) // 3 : 2 * len(items) // 3]
    theirs = [a for a in base if draw(st.booleans())] + items[2 * len(items) // 3 :]
    return base, ours, theirs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base_values=st.fixed_dictionaries({k: SCALARS for k in FIELDS}),
    ours_edits=st.fixed_dictionaries({k: EDIT for k in FIELDS}),
    theirs_edits=st.fixed_dictionaries({k: EDIT for k in FIELDS}),
    contact_edits=st.tuples(EDIT, EDIT, EDIT, EDIT),
    activities=activity_lists(),
)
def test_driver_result_is_the_field_wise_merge(
    base_values: dict[str, Any],
    ours_edits: dict[str, Any],
    theirs_edits: dict[str, Any],
    contact_edits: tuple[Any, Any, Any, Any],
    activities: tuple[list[Any], list[Any], list[Any]],
) -> None:
    fixed = {"id": "deal-1", "account": "ACME", "stage": "lead", "created": T0}
    base = {**fixed, **base_values, "contact": {"name": "Jane", "email": "j@a.example"}}
    ours, theirs = _edit(base, ours_edits), _edit(base, theirs_edits)
    ours["contact"] = _edit(
        base["contact"], dict(zip(("name", "email"), contact_edits[:2], strict=True))
    )
    theirs["contact"] = _edit(
        base["contact"], dict(zip(("name", "email"), contact_edits[2:], strict=True))
    )
    for side, items in zip((base, ours, theirs), activities, strict=True):
        if items:
            side["activities"] = items
    store = Store(Path())
    texts = [store.render_new(m) for m in (base, ours, theirs)]
    texts[1] = "# ours: a comment that must survive\n" + texts[1]
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / name for name in ("O", "A", "B")]
        for path, text in zip(paths, texts, strict=True):
            path.write_text(text, "utf-8")
        outcome = run_driver(paths[0], paths[1], paths[2], "opportunities/deal-1.yaml")
        assert outcome.exit_code == 0
        result_text = paths[1].read_text("utf-8")
    conflicts: dict[str, Any] = {}
    expected = {}
    for key in {*base, *ours, *theirs}:
        value = _expected(
            base.get(key, MISSING),
            ours.get(key, MISSING),
            theirs.get(key, MISSING),
            key,
            conflicts,
        )
        if value is not MISSING:
            expected[key] = value
    if conflicts:
        expected["conflicts"] = conflicts
    assert parse_fast(result_text) == expected
    assert result_text.startswith("# ours: a comment that must survive\n")
    assert "<<<<<<<" not in result_text
