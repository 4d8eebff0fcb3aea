"""The pure parts of automation: working days, due times, conditions, templates, payloads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipeline_tui.automation.actions import ActionContext, Delivery, due_date, escalate
from pipeline_tui.automation.conditions import holds
from pipeline_tui.automation.delivery import MAX_TRIES, retry_due
from pipeline_tui.automation.notify import DeliveryError, describe_target, send
from pipeline_tui.automation.rules import Condition
from pipeline_tui.automation.schemes import APPRISE_SCHEMES, installed_schemes, is_apprise_scheme
from pipeline_tui.automation.templates import expand_environment, render
from pipeline_tui.automation.workdays import WorkCalendar
from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.i18n import catalog
from tests.automation_servers import Hook, http_server


@pytest.fixture
def hook() -> Iterator[Hook]:
    with http_server() as server:
        yield server


def test_china_make_up_working_days_and_holidays() -> None:
    cn = WorkCalendar("CN")
    assert cn.is_working_day(date(2026, 2, 14))  # a Saturday worked for the Spring Festival
    assert not cn.is_working_day(date(2026, 2, 16))  # Spring Festival
    assert not cn.is_working_day(date(2025, 10, 8))  # National Day week
    assert cn.is_working_day(date(2026, 10, 10))  # a make-up Saturday
    assert cn.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert WorkCalendar().add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 5)


def test_due_times() -> None:
    now = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)  # a Friday
    calendar = WorkCalendar()
    assert due_date("+24h", now, calendar) == date(2026, 11, 7)
    assert due_date("+2d", now, calendar) == date(2026, 11, 8)
    assert due_date("+3 working days", now, calendar) == date(2026, 11, 11)
    with pytest.raises(ValueError, match="not a due time"):
        due_date("tomorrow", now, calendar)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Condition("source", "in", ["website", "event"]), True),
        (Condition("source", "eq", "event"), False),
        (Condition("amount", "gte", 50000), True),
        (Condition("amount", "lt", 50000), False),
        (Condition("tags", "has", "key"), True),
        (Condition("tags", "eq", "renewal"), True),
        (Condition("owner", "empty", True), True),
        (Condition("contact.email", "empty", False), True),
        (Condition("stage", "not_in", ["won", "lost"]), True),
    ],
)
def test_conditions(condition: Condition, expected: bool) -> None:
    data = {
        "source": "website",
        "amount": 60000,
        "tags": ["key", "renewal"],
        "contact": {"email": "a@b.example"},
        "stage": "lead",
    }
    assert holds(condition, data) is expected


def test_templates_fill_fields_and_leave_secrets_for_sending() -> None:
    text = render(
        "{title} for {owner} at ${TOKEN} ({amount} {next_step.action})",
        {"title": "华为云", "owner": "李伟", "amount": 120000.0, "next_step": {"action": "Call"}},
    )
    assert text == "华为云 for 李伟 at ${TOKEN} (120,000 Call)"
    assert expand_environment(text, {"TOKEN": "t0k"}).endswith("at t0k (120,000 Call)")
    with pytest.raises(KeyError):
        expand_environment("${MISSING}", {})


def delivery(target: str) -> Delivery:
    return Delivery("r", "cloud", target, "Escalation: 华为云", "No follow-up for 3 days")


def test_chat_payloads(hook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DING_TOKEN", "abc")
    for kind in ("slack", "teams", "dingtalk", "wecom", "feishu", "webhook"):
        path = f"/{kind}" + ("?access_token=${DING_TOKEN}" if kind == "dingtalk" else "")
        send(delivery(f"{kind}:{hook.url(path)}"), timeout=5)
    received = dict(hook.requests)
    assert received["/slack"] == {"text": "*Escalation: 华为云*\nNo follow-up for 3 days"}
    assert received["/dingtalk?access_token=abc"] == {
        "msgtype": "markdown",
        "markdown": {
            "title": "Escalation: 华为云",
            "text": "### Escalation: 华为云\n\nNo follow-up for 3 days",
        },
    }
    assert received["/wecom"] == {
        "msgtype": "text",
        "text": {"content": "Escalation: 华为云\nNo follow-up for 3 days"},
    }
    assert received["/feishu"] == {
        "msg_type": "text",
        "content": {"text": "Escalation: 华为云\nNo follow-up for 3 days"},
    }
    card = received["/teams"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert [b["text"] for b in card["content"]["body"]] == [
        "Escalation: 华为云",
        "No follow-up for 3 days",
    ]
    assert received["/webhook"] == {
        "title": "Escalation: 华为云",
        "message": "No follow-up for 3 days",
        "deal": "cloud",
        "rule": "r",
    }


def test_failures_are_one_line(hook: Hook) -> None:
    with pytest.raises(DeliveryError, match="environment variable NOPE is not set"):
        send(delivery("wecom:https://qyapi.example/send?key=${NOPE}"))
    with pytest.raises(DeliveryError, match=r"did not answer within 0\.2s"):
        send(delivery(f"slack:{hook.url('/slow')}"), timeout=0.2)
    with pytest.raises(DeliveryError, match="apprise does not understand"):
        send(delivery("nosuchscheme://x"))
    with pytest.raises(DeliveryError, match="exited with 3: boom"):
        send(delivery('run:{"command": ["sh", "-c", "cat >/dev/null; echo boom >&2; exit 3"]}'))
    assert describe_target("wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET") == (
        "wecom: qyapi.weixin.qq.com"
    )
    assert "pw" not in describe_target("mailtos://user:pw@smtp.example.com?to=a@example.com")


def test_a_command_gets_the_deal_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "deal.json"
    send(delivery(f'run:{{"command": ["sh", "-c", "cat > {out}"]}}'))
    assert out.read_text("utf-8") == "No follow-up for 3 days"


def test_messages_follow_the_interface_language() -> None:
    from pipeline_tui.automation.actions import ActionContext, escalate
    from pipeline_tui.i18n import set_language
    from tests.metricdata import config

    data = {"id": "d", "title": "华为云", "account": "华为", "stage": "lead", "owner": "alice"}
    ctx = ActionContext("r", "d", data, config(), WorkCalendar(), datetime.now(UTC), dict)
    set_language("zh_CN")
    try:
        outcome = escalate(ctx, {"to": ["webhook:https://example.com/x"]})
    finally:
        set_language(None)
    assert outcome.deliveries[0].title == "升级提醒：华为云 需要跟进"
    assert outcome.deliveries[0].body.startswith("华为云（华为，lead）一直没有跟进。负责人：alice")
    assert outcome.said == ["escalation to dana"]


def test_the_listed_apprise_schemes_are_the_installed_apprises() -> None:
    """The list that spares every write importing apprise must not drift from apprise."""
    assert installed_schemes() == APPRISE_SCHEMES
    assert is_apprise_scheme("MAILTO") and not is_apprise_scheme("bogus")


def test_a_retry_waits_twice_as_long_after_each_failure_up_to_a_day() -> None:
    failed = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)

    def due_after(tries: int) -> timedelta:
        entry = {"tries": tries, "failed_at": failed.isoformat()}
        waits = [timedelta(minutes=m) for m in range(0, 3 * 24 * 60, 5)]
        return next(w for w in waits if retry_due(entry, failed + w))

    assert [due_after(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    assert due_after(8) == due_after(MAX_TRIES - 1) == timedelta(days=1)
    assert retry_due({"tries": 3}, failed)  # queued before the wait was recorded: due


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_default_escalation_says_of_the_next_step_only_what_there_is(language: str) -> None:
    config = PipelineConfig.from_mapping(
        {
            "stages": [{"name": "lead"}, {"name": "won", "terminal": True}],
            "team": {"dana": {}, "alice": {"manager": "dana"}},
        }
    )
    words = catalog(language)

    def body(**fields: object) -> str:
        data = {"id": "d", "title": "Old", "account": "O", "stage": "lead", "owner": "alice"}
        ctx = ActionContext(
            "silent",
            "d",
            {**data, **fields},
            config,
            WorkCalendar(),
            datetime(2026, 11, 20, tzinfo=UTC),
            dict,
            tr=lambda message: words.get(message) or message,
        )
        [delivery] = escalate(ctx, {"to": ["webhook:https://example.com/x"]}).deliveries
        return delivery.body

    full = body(next_step={"action": "Call Jane", "due": date(2026, 11, 25)})
    assert "Call Jane" in full and "2026-11-25" in full
    assert "Call Jane" in body(next_step={"action": "Call Jane"})
    assert "2026-11-25" in body(next_step={"due": date(2026, 11, 25)})
    for text in (body(), body(next_step={"action": "Call Jane"}), body(next_step={})):
        assert "due ." not in text and "  " not in text and ": ;" not in text
        assert "截止 。" not in text and "：，" not in text and "：；" not in text
        assert text.rstrip().endswith("." if language == "en" else "。")
    assert body() != full
