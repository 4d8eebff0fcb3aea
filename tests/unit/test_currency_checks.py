"""A deal's currency against the pipeline's: warnings for other and unknown codes, errors kept.

Amounts are summed as written, so a deal in EUR in a USD pipeline counts as
USD: the load names it (file, line, field ``currency``) as a warning, and the
deal still counts.  A value that is no three capital letters stays an error,
now with the ISO code it most likely means.
"""

from __future__ import annotations

import pytest

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.currencies import (
    deals_in_other_currencies,
    is_iso_code,
    is_other_currency,
    suggested_codes,
)
from pipeline_tui.core.model import Opportunity, Problem
from pipeline_tui.storage.filecheck import check_opportunity_text, config_text_problems

PATH = "opportunities/deal.yaml"


def deal_text(currency: str | None) -> str:
    """A valid deal; ``currency`` on line 5 (None: no such line)."""
    line = f"currency: {currency}\n" if currency is not None else ""
    return (
        "id: deal\ntitle: T\naccount: A\namount: 1200\n"
        f"{line}stage: lead\ncreated: 2026-09-01T10:00:00+00:00\n"
    )


def checked(
    currency: str | None, pipeline: str = "USD"
) -> tuple[Opportunity | None, list[Problem]]:
    config = PipelineConfig.from_mapping({**config_mapping(), "currency": pipeline})
    return check_opportunity_text(deal_text(currency), PATH, config)


def config_mapping() -> dict[str, object]:
    return {
        "stages": [
            {"name": "lead", "probability": 0.1},
            {"name": "won", "probability": 1.0, "terminal": True},
            {"name": "lost", "probability": 0.0, "terminal": True},
        ]
    }


@pytest.mark.parametrize(
    ("currency", "pipeline", "message"),
    [
        ("EUR", "USD", "EUR differs from the pipeline's USD: its amount is summed as USD"),
        ("USD", "CNY", "USD differs from the pipeline's CNY: its amount is summed as CNY"),
        (
            "RMB",
            "USD",
            "RMB is not an ISO 4217 currency code (did you mean CNY?): its amount is summed as USD",
        ),
        (
            "RMB",
            "CNY",
            "RMB is not an ISO 4217 currency code (did you mean CNY?): its amount is summed as CNY",
        ),
        (
            "NTD",
            "USD",
            "NTD is not an ISO 4217 currency code (did you mean TWD?): its amount is summed as USD",
        ),
        ("XYZ", "USD", "XYZ is not an ISO 4217 currency code: its amount is summed as USD"),
    ],
)
def test_another_currency_is_a_warning_on_its_line_and_the_deal_counts(
    currency: str, pipeline: str, message: str
) -> None:
    record, problems = checked(currency, pipeline)
    assert record is not None and record.currency == currency
    assert problems == [Problem(PATH, message, 5, "currency", "warning")]
    assert str(problems[0]) == f"{PATH}:5: warning: currency: {message}"
    for same in (pipeline, None, "null", "~"):  # the pipeline's own, or none: nothing to say
        assert checked(same, pipeline)[1] == []


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("'$'", "'$' is not an ISO 4217 currency code (did you mean USD?)"),
        ("US$", "'US$' is not an ISO 4217 currency code (did you mean USD?)"),
        ("€", "'€' is not an ISO 4217 currency code (did you mean EUR?)"),
        ("£", "'£' is not an ISO 4217 currency code (did you mean GBP?)"),
        ("¥", "'¥' is not an ISO 4217 currency code (did you mean CNY/JPY?)"),
        ("HK$", "'HK$' is not an ISO 4217 currency code (did you mean HKD?)"),
        ("NT$", "'NT$' is not an ISO 4217 currency code (did you mean TWD?)"),
        ("usd", "'usd' is not an ISO 4217 currency code (did you mean USD?)"),
        ("rmb", "'rmb' is not an ISO 4217 currency code (did you mean CNY?)"),
        (
            "dollars",
            "'dollars' is not an ISO 4217 currency code (three capital letters, e.g. USD)",
        ),
    ],
)
def test_what_is_no_code_at_all_stays_an_error_with_the_code_meant(
    currency: str, message: str
) -> None:
    record, problems = checked(currency)
    assert record is None  # left out, as before
    assert problems == [Problem(PATH, message, 5, "currency", "error")]


def test_pipeline_yaml_currency_sign_gets_the_hint_too_and_other_errors_are_unchanged() -> None:
    text = (
        "currency: $\nstages:\n  - {name: lead}\n"
        "  - {name: won, probability: 1.0, terminal: true}\n"
        "  - {name: lost, probability: 0.0, terminal: true}\n"
    )
    problems = config_text_problems(text.encode(), "pipeline.yaml")
    assert problems == [
        Problem(
            "pipeline.yaml",
            "'$' is not an ISO 4217 currency code (did you mean USD?)",
            1,
            "currency",
        )
    ]
    record, problems = checked("[USD]")  # a list: the schema's type error alone, no warning
    assert record is None
    assert [(p.field, p.severity) for p in problems] == [("currency", "error")]
    text = deal_text(None).replace("stage: lead\n", "stage: lead\ncontact: {email: 'not mail'}\n")
    _, problems = check_opportunity_text(text, PATH, PipelineConfig.from_mapping(config_mapping()))
    assert [p.message for p in problems] == ["'not mail' is not in the expected format"]


def test_the_iso_list_and_the_hints() -> None:
    assert is_iso_code("EUR") and is_iso_code("CNY") and is_iso_code("TWD")
    assert not is_iso_code("RMB") and not is_iso_code("NTD") and not is_iso_code("XYZ")
    assert suggested_codes("RMB") == ("CNY",)
    assert suggested_codes(" eur ") == ("EUR",)
    assert suggested_codes("¥") == ("CNY", "JPY")
    assert suggested_codes("XYZ") == ()
    assert suggested_codes("EUR") == ()  # already a code: nothing to suggest


def test_the_deals_counted_are_those_the_check_warns_about() -> None:
    """The report's count and the check share :func:`is_other_currency`."""
    records = [checked(c)[0] for c in ("EUR", None, "USD", "RMB", "XYZ")]
    assert all(r is not None for r in records)
    warned = sum(bool(checked(c)[1]) for c in ("EUR", None, "USD", "RMB", "XYZ"))
    assert deals_in_other_currencies([r for r in records if r], "USD") == warned == 3
    assert not is_other_currency(None, "USD") and is_other_currency("EUR", "USD")
