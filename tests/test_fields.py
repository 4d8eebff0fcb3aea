"""The field rows agree with the JSON Schema, and everything derived from them agrees too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline_tui.core import model
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.fields import BY_KEY, FIELDS, KNOWN_FIELDS, all_fields, export_columns
from pipeline_tui.dataio.importing.columns import SYNONYMS, is_target_field
from pipeline_tui.i18n import catalog
from pipeline_tui.tui.deal.fields import record_specs, spec_for

SCHEMA = Path(__file__).resolve().parents[1] / "schema" / "opportunity.schema.json"


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
    assert spec_for("probability", config).kind == "number"
    assert spec_for("renewal_date", config).kind == "date"  # a custom field that looks like one
    assert SYNONYMS["contact.email"] == ("contact_email", "email")
    assert SYNONYMS["external_id"][-1] == "id"  # the role fields stay the importer's own
    assert is_target_field("profile.industry") and is_target_field("contact.role")
    assert not is_target_field("id") and not is_target_field("conflicts")
    present = {"amount", "contact.email", "contact.name", "activities", "profile.size"}
    assert export_columns(present) == [
        "id", "title", "account", "stage", "amount", "created", "contact.name", "contact.email",
    ]  # fmt: skip
