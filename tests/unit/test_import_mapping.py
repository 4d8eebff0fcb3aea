"""The pure row-mapping rules: columns, value maps, defaults, titles, dated steps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline_tui.core.config import DEFAULT_CONFIG_TEXT, PipelineConfig
from pipeline_tui.dataio.importing.csvfile import parse_csv_text
from pipeline_tui.dataio.importing.jsonfile import table_from_records
from pipeline_tui.dataio.importing.mapped import ImportOptions, MappingResult
from pipeline_tui.dataio.importing.mapping import map_table, parse_defaults, parse_map_options
from pipeline_tui.dataio.importing.row import row_key
from pipeline_tui.yaml.read import parse_fast

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONFIG = PipelineConfig.from_mapping(parse_fast(DEFAULT_CONFIG_TEXT))


def mapped(
    csv_text: str, *maps: str, defaults: tuple[str, ...] = (), **kw: object
) -> MappingResult:
    columns, values = parse_map_options(maps)
    options = ImportOptions(NOW, columns, values, parse_defaults(defaults), **kw)  # type: ignore[arg-type]
    return map_table(parse_csv_text(csv_text, "deals.csv"), CONFIG, options)


def test_synonyms_are_matched_ignoring_case_and_punctuation() -> None:
    result = mapped(
        "Deal Name,COMPANY,Value,Deal-Stage,Sales Agent,Lead Source,Created\n"
        'CRM rollout,ACME,"120,000",Proposal,alice,Website,2026-09-01\n'
    )
    assert result.errors == []
    (row,) = result.rows
    assert row.number == 2
    fields = dict(row.fields)
    assert fields["title"] == "CRM rollout"
    assert fields["account"] == "ACME"
    assert fields["amount"] == 120000
    assert fields["currency"] == "USD"  # the config's currency, as `pipeline new` does
    assert fields["stage"] == "proposal"  # configured spelling
    assert fields["owner"] == "alice"
    assert fields["source"] == "website"
    assert fields["created"] == datetime(2026, 9, 1, tzinfo=UTC)
    assert fields["external_id"] == row_key(
        {"Deal Name": "CRM rollout", "COMPANY": "ACME", "Value": "120,000",
         "Deal-Stage": "Proposal", "Sales Agent": "alice", "Lead Source": "Website",
         "Created": "2026-09-01"}
    )  # fmt: skip


def test_map_options_rename_columns_translate_values_and_drop_columns() -> None:
    result = mapped(
        "Opportunity Ref,Deal,Org,Phase,Secret\nX-1,Big deal,ACME,Engaging,s3cret\n",
        "Org=account",
        "Opportunity Ref=external_id",
        "stage:Engaging=qualified",
        "Secret=",
    )
    assert result.errors == []
    fields = dict(result.rows[0].fields)
    assert fields["account"] == "ACME"
    assert fields["stage"] == "qualified"
    assert fields["external_id"] == "X-1"
    assert "secret" not in fields
    assert result.columns.ignored == {"Secret": "dropped by --map"}


def test_unmapped_columns_are_kept_as_custom_fields() -> None:
    result = mapped("title,account,Product Line,Region\nA,B,GTX Pro,West\n")
    fields = dict(result.rows[0].fields)
    assert fields["product_line"] == "GTX Pro"
    assert fields["region"] == "West"


def test_unknown_stages_are_refused_per_row_naming_the_value() -> None:
    result = mapped("title,account,stage\nA,B,Engaging\nC,D,lead\nE,F,Engaging\n")
    assert [p.row for p in result.errors] == [2, 4]
    assert all(p.column == "stage" for p in result.errors)
    assert "unknown stage 'Engaging'" in result.errors[0].message
    assert "--map 'stage:Engaging=STAGE'" in result.errors[0].message
    assert [r.number for r in result.rows] == [3]


def test_unknown_sources_and_owners_are_refused_or_added_with_extend_config() -> None:
    text = "title,account,source,owner\nA,B,Trade show,bob\nC,D,website,alice\n"
    refused = mapped(text)
    assert {(p.row, p.column) for p in refused.errors} == {(2, "source"), (2, "owner")}
    extended = mapped(text, extend_config=True)
    assert extended.errors == []
    assert extended.additions.sources == ("Trade show",)
    assert extended.additions.owners == ("bob",)


def test_missing_required_columns_are_one_file_level_problem_each() -> None:
    result = mapped("name_of_thing,amount\nA,5\n")
    messages = [p.message for p in result.errors if p.row is None]
    assert any("missing required column account" in m for m in messages)
    assert any("missing required column title" in m for m in messages)
    assert result.rows == ()


def test_defaults_and_title_template_fill_what_the_export_lacks() -> None:
    result = mapped(
        "opportunity_id,account,product,deal_stage,close_date\n"
        "1,,GTXPro,Lost,2017-03-01\n"
        "2,Cancity,MG Special,Won,2017-03-02\n",
        "product:GTXPro=GTX Pro",
        defaults=("account=(no account)", "lost_reason=price"),
        title_template="{account} - {product}",
    )
    assert result.errors == []
    lost, won = (dict(r.fields) for r in result.rows)
    assert lost["title"] == "(no account) - GTX Pro"
    assert lost["lost_reason"] == "price"
    assert won["title"] == "Cancity - MG Special"
    assert "lost_reason" not in won  # the default fills lost deals only


def test_a_lost_row_without_reason_or_default_is_refused() -> None:
    result = mapped("title,account,stage\nA,B,lost\n")
    assert [(p.row, p.column) for p in result.errors] == [(2, None)]
    assert "lost_reason" in result.errors[0].message


def test_bad_cells_name_row_and_column() -> None:
    result = mapped(
        "title,account,amount,created\nA,B,-5,2017-01-01\nC,D,lots,2017-01-01\nE,F,5,someday\n"
    )
    found = {(p.row, p.column): p.message for p in result.errors}
    assert "negative" in found[(2, "amount")]
    assert "not an amount" in found[(3, "amount")]
    assert "not a date" in found[(4, "created")]
    assert result.rows == ()


def test_duplicate_rows_are_refused_after_the_first() -> None:
    by_id = mapped("id,title,account\n7,A,B\n8,C,D\n7,A2,B2\n")
    assert [(p.row, p.column) for p in by_id.errors] == [(4, "id")]
    assert "duplicate of row 2" in by_id.errors[0].message
    identical = mapped("title,account\nA,B\nA,B\n")
    assert [p.row for p in identical.errors] == [3]
    assert "identical cells" in identical.errors[0].message


def test_dates_out_of_order_are_kept_and_reconciled() -> None:
    """Back-filled CRM data closes before it was engaged or created: kept, never refused."""
    result = mapped("title,account,stage,engage_date,close_date\nA,B,won,2017-03-05,2017-03-01\n")
    assert result.errors == []
    (row,) = result.rows
    assert row.adjusted == "created moved to the close date"
    assert [(e.when.date().isoformat(), e.stage) for e in row.events] == [("2017-03-01", "won")]


@pytest.mark.parametrize(
    ("stage", "created", "engaged", "closed", "expected"),
    [
        ("won", "", "2017-01-10", "2017-02-01",
         [("2017-01-10", "qualified"), ("2017-02-01", "won")]),
        ("won", "2017-01-01", "2017-01-10", "2017-02-01",
         [("2017-01-01", "lead"), ("2017-01-10", "qualified"), ("2017-02-01", "won")]),
        ("won", "2017-01-01", "", "2017-02-01", [("2017-01-01", "lead"), ("2017-02-01", "won")]),
        ("won", "", "", "2017-02-01", [("2017-02-01", "won")]),
        ("qualified", "", "2017-01-10", "", [("2017-01-10", "qualified")]),
        ("proposal", "2017-01-01", "2017-01-10", "",
         [("2017-01-01", "lead"), ("2017-01-10", "proposal")]),
        ("lead", "", "", "", [("2026-11-23", "lead")]),
    ],
)  # fmt: skip
def test_dated_steps(
    stage: str, created: str, engaged: str, closed: str, expected: list[tuple[str, str]]
) -> None:
    result = mapped(
        "title,account,stage,created,engage_date,close_date\n"
        f"A,B,{stage},{created},{engaged},{closed}\n"
    )
    assert result.errors == []
    (row,) = result.rows
    assert [(e.when.date().isoformat(), e.stage) for e in row.events] == expected
    assert row.fields["created"] == row.events[0].when


def test_json_records_flatten_nested_objects() -> None:
    table = table_from_records(
        {"opportunities": [{"title": "A", "account": "B", "contact": {"email": "j@b.example"},
                            "tags": ["x", "y"]}]},
        "deals.json",
    )  # fmt: skip
    result = map_table(table, CONFIG, ImportOptions(NOW))
    assert result.errors == []
    fields = dict(result.rows[0].fields)
    assert fields["contact"] == {"email": "j@b.example"}
    assert fields["tags"] == ["x", "y"]


def test_map_option_syntax_errors() -> None:
    with pytest.raises(ValueError, match="expected COLUMN=FIELD"):
        parse_map_options(["nothing"])
    with pytest.raises(ValueError, match="cannot be a field name"):
        parse_map_options(["col=Bad Name!"])
    with pytest.raises(ValueError, match="expected FIELD=VALUE"):
        parse_defaults(["account"])


def test_a_date_only_step_on_the_day_of_a_timed_creation_is_in_order() -> None:
    result = mapped(
        "title,account,stage,created,engage_date,close_date\n"
        "A,B,won,2017-01-10T15:00:00,2017-01-10,2017-01-12T08:00:00\n"
        "C,D,won,2017-01-10T15:00:00,2017-01-09,2017-01-12\n"
    )
    assert result.errors == []
    row, earlier = result.rows
    assert row.adjusted is None  # the same day is in order
    assert earlier.adjusted == "created moved to the engaged date"  # a day before: reconciled
    assert earlier.fields["created"] == datetime(2017, 1, 9, tzinfo=UTC)
    whens = [e.when for e in row.events]
    assert whens == sorted(whens)
    # engaged "that day" cannot be placed before the 15:00 creation: it collapses into it
    assert [e.stage for e in row.events] == ["qualified", "won"]
    assert row.events[-1].when == datetime(2017, 1, 12, 8, 0, tzinfo=UTC)


def test_value_maps_match_cells_ignoring_case_and_warn_when_they_match_nothing() -> None:
    text = "title,account,stage,product\nA,B,lead,GTX Pro\nC,D,lead,GTXPro\nE,F,proposal,x\n"
    result = mapped(text, "stage:Lead=qualified", "product:gtx-pro=GTX Pro")
    assert [r.fields["stage"] for r in result.rows] == ["qualified", "qualified", "proposal"]
    assert [r.fields["product"] for r in result.rows] == ["GTX Pro", "GTX Pro", "x"]
    assert not [p for p in result.problems if p.row is None]  # both maps were used
    typo = mapped(text, "stage:leed=qualified", "stge:lead=qualified")
    assert [r.fields["stage"] for r in typo.rows] == ["lead", "lead", "proposal"]
    assert [(p.severity, p.message) for p in typo.problems if p.row is None] == [
        ("warning", "--map 'stage:leed=qualified' matched no cell of column 'stage' (values "
         "are compared ignoring case, spaces and punctuation)"),
        ("warning", "--map 'stge:lead=qualified': no column is read into 'stge', so it "
         "changes nothing"),
    ]  # fmt: skip
