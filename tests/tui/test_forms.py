"""New and Edit cover every field, check each as typed, and write back keeping the user's file.

A hand-written deal file (comments, its own key order, a custom field, a
profile field) is opened in Edit, every field is changed and saved: the
file's text and the commits are asserted exactly.  The clock is frozen so
relative dates (``next monday``) and commit dates are fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Button, Input, Select, Static, TextArea

from pipeline_tui.core import clock
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.sync.setup import init_pipeline
from pipeline_tui.tui.app import PipelineApp
from pipeline_tui.tui.deal.forms import RecordForm

from .conftest import NOW, SIZE, commit_count, fixed_now, git, settle

pytestmark = pytest.mark.asyncio

HAND_WRITTEN = """\
# ACME's renewal, kept by hand
id: acme-renewal
title: ACME renewal   # what the customer calls it
account: ACME Corp
stage: lead
amount: 1000
currency: USD
owner: alice
source: website
created: 2026-10-01T09:00:00+00:00
expected_close: 2026-12-31
probability: 0.2
next_step: {due: 2026-11-25, action: Call Jane}  # agreed on the phone
contact:
  name: Jane Doe      # the champion
  email: jane@acme.example
  role: CTO
  phone: "+1 555 0100"
profile:
  industry: retail
tags: [b2b]
notes: |
  Met at the fair.
  Wants a pilot first.
region: EMEA          # our sales region
"""

EDITED = """\
# ACME's renewal, kept by hand
id: acme-renewal
title: ACME renewal 2027 # what the customer calls it
account: ACME Corporation
stage: qualified
amount: 2500
currency: EUR
owner: dana
source: referral
created: 2026-10-01T09:00:00+00:00
expected_close: 2027-01-15
probability: 0.4
next_step: {due: 2026-11-23, action: Send the pilot plan} # agreed on the phone
contact:
  name: Jane Roe      # the champion
  email: jane.roe@acme.example
  role: VP Engineering
  phone: "+1 555 0199"
profile:
  industry: manufacturing
  size: 50-200
tags: [b2b, renewal]
notes: |-
  Met at the fair.
  Pilot agreed for January.
region: APAC          # our sales region
"""


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def hand_written(tmp_path: Path) -> Path:
    """A pipeline whose one deal was written by hand in an editor, then committed."""
    root = init_pipeline(tmp_path / "deals", layout="flat")
    (root / "opportunities").mkdir(exist_ok=True)
    (root / "opportunities" / "acme-renewal.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    git(root, "add", "opportunities")
    git(root, "commit", "-qm", "acme-renewal: written by hand")
    return root


def app_for(root: Path, author: str | None = None) -> PipelineApp:
    return PipelineApp(Workspace(root, author_name=author), clock=fixed_now, poll_interval=0)


def notes_of(messages: list[Message]) -> list[tuple[str, str]]:
    return [
        (m.notification.title, m.notification.message) for m in messages if isinstance(m, Notify)
    ]


async def test_edit_changes_every_field_and_keeps_the_files_comments_and_order(
    hand_written: Path,
) -> None:
    seen: list[Message] = []
    app = app_for(hand_written)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        before = commit_count(hand_written)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, RecordForm)
        keys = [spec.key for spec in form.specs]
        assert keys == [
            "title", "account", "stage", "amount", "currency", "owner", "source",
            "expected_close", "probability", "next_step.action", "next_step.due",
            "contact.name", "contact.email", "contact.role", "contact.phone", "tags", "notes",
            "profile.industry", "profile.size", "profile.budget", "profile.decision_maker",
            "profile.need", "region",
        ]  # fmt: skip
        typed = {
            "title": "ACME renewal 2027",
            "account": "ACME Corporation",
            "amount": "2,500",
            "currency": "EUR",
            "owner": "dana",
            "expected_close": "2027-01-15",
            "probability": "40%",
            "next_step.action": "Send the pilot plan",
            "next_step.due": "next monday",
            "contact.name": "Jane Roe",
            "contact.email": "jane.roe@acme.example",
            "contact.role": "VP Engineering",
            "contact.phone": "+1 555 0199",
            "tags": "b2b, renewal",
            "profile.industry": "manufacturing",
            "profile.size": "50-200",
            "region": "APAC",
        }
        assert form.query_one(form.field_id("region"), Input).value == "EMEA"
        assert form.query_one(form.field_id("probability"), Input).value == "0.2"
        for key, text in typed.items():
            form.query_one(form.field_id(key), Input).value = text
        form.query_one(form.field_id("stage"), Select).value = "qualified"
        form.query_one(form.field_id("source"), Select).value = "referral"
        notes = form.query_one(form.field_id("notes"), TextArea)
        assert notes.text == "Met at the fair.\nWants a pilot first.\n"
        notes.text = "Met at the fair.\nPilot agreed for January."
        await pilot.pause()
        assert form.errors == {}
        await pilot.press("ctrl+s")
        await settle(pilot)
        path = hand_written / "opportunities" / "acme-renewal.yaml"
        assert path.read_text(encoding="utf-8") == EDITED
        assert commit_count(hand_written) == before + 2  # the fields, then the move
        subjects = git(hand_written, "log", "-2", "--format=%s").splitlines()
        assert subjects[0] == "acme-renewal: stage lead -> qualified"
        assert subjects[1].startswith(
            "acme-renewal: title ACME renewal -> ACME renewal 2027; account ACME Corp -> "
        )
        assert "probability 0.2 -> 0.4" in subjects[1] and "region EMEA -> APAC" in subjects[1]
        assert git(hand_written, "status", "--porcelain") == ""
        assert ("Committed", "acme-renewal: stage lead -> qualified") in notes_of(seen)


async def test_fields_are_checked_as_typed_and_save_stays_off_while_any_is_wrong(
    hand_written: Path,
) -> None:
    app = app_for(hand_written)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = commit_count(hand_written)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, RecordForm)
        wrong = {
            "amount": ("12k", "expected a number, e.g. 120000"),
            "probability": ("40", "expected 0 to 1 or a percentage, e.g. 0.4 or 40%"),
            "expected_close": ("someday", "expected a date: YYYY-MM-DD, +3d, next monday, 明天"),
            "owner": ("zed", "unknown owner 'zed'; the team is: alice, dana"),
        }
        for key, (text, message) in wrong.items():
            form.query_one(form.field_id(key), Input).value = text
            await pilot.pause()
            assert form.errors[key] == message
            beside = form.query_one(form.field_id(key).replace("field", "error"), Static)
            assert beside.display and str(beside.render()) == message
            assert form.query_one("#submit", Button).disabled
            form.query_one(form.field_id(key), Input).value = ""
            await pilot.pause()
        owner = form.query_one(form.field_id("owner"), Input)
        owner.focus()
        await pilot.press(*"alcie")
        assert form.errors["owner"].endswith("did you mean alice?")
        await pilot.press(*["backspace"] * 4, "right")  # "a", then take the completion
        assert owner.value == "alice" and "owner" not in form.errors
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert commit_count(hand_written) == before + 1
        assert git(hand_written, "log", "-1", "--format=%s").strip() == (
            "acme-renewal: amount 1000 -> (none); expected_close 2026-12-31 -> (none); "
            "probability 0.2 -> (none)"
        )


async def test_new_defaults_the_owner_to_the_person_at_the_keyboard(hand_written: Path) -> None:
    app = app_for(hand_written, author="Dana Scully")  # git's user.name, mapped to the team
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = commit_count(hand_written)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, RecordForm)
        assert form.query_one(form.field_id("owner"), Input).value == "dana"
        assert form.query_one(form.field_id("currency"), Input).value == "USD"
        assert form.query_one(form.field_id("stage"), Select).value == "lead"
        form.query_one(form.field_id("title"), Input).value = "Wayne pilot"
        form.query_one(form.field_id("account"), Input).value = "Wayne Enterprises"
        form.query_one(form.field_id("profile.industry"), Input).value = "defense"
        form.query_one(form.field_id("stage"), Select).value = "qualified"
        await pilot.pause()
        assert form.errors == {"contact.email": "required by stage qualified"}
        form.query_one(form.field_id("contact.email"), Input).value = "bruce@wayne.example"
        await pilot.pause()
        assert form.errors == {}
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert commit_count(hand_written) == before + 1
        subject = git(hand_written, "log", "-1", "--format=%s").strip()
        assert subject.endswith(": created in qualified")
        new_id = subject.split(":")[0]
        text = (hand_written / "opportunities" / f"{new_id}.yaml").read_text(encoding="utf-8")
        assert text == (
            f"id: {new_id}\n"
            "title: Wayne pilot\n"
            "account: Wayne Enterprises\n"
            "stage: qualified\n"
            "currency: USD\n"
            "owner: dana\n"
            f"created: {NOW.isoformat()}\n"
            "contact: {email: bruce@wayne.example}\n"
            "profile: {industry: defense}\n"
        )


async def test_the_hand_written_file_is_valid_as_it_starts(hand_written: Path) -> None:
    """No test above starts from a broken file: it loads with no problem at all."""
    assert git(hand_written, "status", "--porcelain") == ""
    pipeline = Workspace(hand_written).load()
    assert pipeline.problems == ()
    assert [(r.owner, r.data["region"]) for r in pipeline.opportunities] == [("alice", "EMEA")]
