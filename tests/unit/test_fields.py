"""The field rows agree with the JSON Schema, and everything derived from them agrees too."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.core import model
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.fields import BY_KEY, FIELDS, KNOWN_FIELDS, all_fields, export_columns
from pipeline_tui.dataio.importing.columns import SYNONYMS, is_target_field
from pipeline_tui.i18n import catalog
from pipeline_tui.tui.deal.fields import (
    FieldSpec,
    changed_values,
    owner_problems,
    parse_field,
    record_specs,
    spec_for,
)

SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "opportunity.schema.json"


def schema_keys() -> tuple[set[str], set[str]]:
    """Every property (``contact.email`` for an object's own properties), and the required ones."""
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    keys: set[str] = set()
    for name, spec in schema["properties"].items():
        keys.add(name)
        keys |= {f"{name}.{sub}" for sub in spec.get("properties", {})}
    return keys, set(schema["required"])


def test_every_schema_property_has_a_field_def_and_vice_versa() -> None:
    properties, required = schema_keys()
    assert set(BY_KEY) == properties
    assert {f.key for f in FIELDS if f.required} == required
    assert len(BY_KEY) == len(list(all_fields()))  # no key defined twice


def test_sub_fields_live_under_their_group() -> None:
    for definition in FIELDS:
        assert "." not in definition.key
        for sub in definition.subfields:
            assert sub.key.startswith(definition.key + ".") and not sub.subfields
            assert definition.kind == "group"


def test_known_fields_are_the_user_fields_in_file_order() -> None:
    assert KNOWN_FIELDS[:4] == ("id", "title", "account", "stage")
    assert "conflicts" not in KNOWN_FIELDS  # written by the merge driver, kept where it put it
    assert model.KNOWN_FIELDS is KNOWN_FIELDS  # the model reads the same rows


def test_every_label_is_translated() -> None:
    translations = catalog("zh_CN")
    assert sorted(f.label for f in all_fields() if not translations.get(f.label)) == []


def test_forms_imports_and_exports_read_the_rows() -> None:
    config = PipelineConfig(stages=(), sources=("web",), lost_reasons=("price",))
    form = record_specs(config, owners=("ana",))
    assert [s.key for s in form] == [f.key for f in all_fields() if f.form]
    by_key = {s.key: s for s in form}
    assert by_key["source"].choices == ("web",) and by_key["owner"].suggestions == ("ana",)
    assert by_key["title"].required and not by_key["amount"].required
    assert by_key["next_step.due"].kind == "date" and by_key["tags"].kind == "tags"
    lost = spec_for("lost_reason", config)
    assert (lost.kind, lost.choices, lost.required) == ("choice", ("price",), True)
    assert spec_for("probability", config).kind == "share"  # 0.4 or 40%
    assert spec_for("renewal_date", config).kind == "date"  # a custom field that looks like one
    assert SYNONYMS["contact.email"] == ("contact_email", "email")
    assert SYNONYMS["external_id"][-1] == "id"  # the role fields stay the importer's own
    assert is_target_field("profile.industry") and is_target_field("contact.role")
    assert not is_target_field("id") and not is_target_field("conflicts")
    present = {"amount", "contact.email", "contact.name", "activities", "profile.size"}
    assert export_columns(present) == [
        "id", "title", "account", "stage", "amount", "created", "contact.name", "contact.email",
    ]  # fmt: skip


def test_the_form_adds_profile_fields_where_the_deal_keeps_them_and_its_custom_fields() -> None:
    config = PipelineConfig(stages=(), profile_fields=("industry", "size", "amount"))
    data = {
        "id": "x",
        "industry": "retail",  # hand-written at the top level: edited there
        "profile": {"size": 40},
        "region": "EMEA",
        "renewal": date(2027, 1, 1),
        "labels": ["a", "b"],
        "audit": {"by": "x"},  # nested: left alone
        "vip": True,  # a flag: left alone
    }
    specs = record_specs(config, (), data)
    known = [f.key for f in all_fields() if f.form]
    assert [s.key for s in specs[: len(known)]] == known
    extra = [(s.key, s.label, s.kind) for s in specs[len(known) :]]
    assert extra == [
        ("industry", "industry", "text"),
        ("profile.size", "size", "number"),
        ("region", "region", "text"),
        ("renewal", "renewal", "date"),
        ("labels", "labels", "tags"),
    ]
    fresh = record_specs(config, (), {})
    assert [s.key for s in fresh[len(known) :]] == ["profile.industry", "profile.size"]


@pytest.mark.parametrize(
    ("typed", "value"), [("0.4", 0.4), ("40%", 0.4), ("40 %", 0.4), ("1", 1), ("0", 0), ("", None)]
)
def test_probability_is_a_fraction_or_a_percentage(typed: str, value: object) -> None:
    spec = FieldSpec("probability", "Probability", "share")
    assert parse_field(spec, typed) == value


@pytest.mark.parametrize("typed", ["40", "140%", "-0.1", "high"])
def test_probability_out_of_range_is_refused_with_the_forms_it_takes(typed: str) -> None:
    with pytest.raises(ValueError, match=r"0\.4 or 40%"):
        parse_field(FieldSpec("probability", "Probability", "share"), typed)


def test_owner_outside_the_team_is_refused_unless_the_deal_already_had_it() -> None:
    config = PipelineConfig.from_mapping(
        {"stages": [{"name": "lead"}], "team": {"alice": {"manager": "dana"}}}
    )
    assert owner_problems(config, {"owner": "alice"}) == {}
    assert owner_problems(config, {"owner": "dana"}) == {}
    assert owner_problems(config, {"owner": "alcie"}) == {
        "owner": "unknown owner 'alcie'; the team is: alice, dana; did you mean alice?"
    }
    assert owner_problems(config, {"owner": "bob"}, before="bob") == {}  # left the team
    alone = PipelineConfig.from_mapping({"stages": [{"name": "lead"}]})
    assert owner_problems(alone, {"owner": "anyone"}) == {}  # no team: nothing to check


def test_a_notes_final_newline_is_not_a_change() -> None:
    specs = [FieldSpec("notes", "Notes", "longtext")]
    assert changed_values(specs, {"notes": "one\ntwo\n"}, {"notes": "one\ntwo"}) == {}
    assert changed_values(specs, {"notes": "one\n"}, {"notes": "one two"}) == {"notes": "one two"}
