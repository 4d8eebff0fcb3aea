"""The closed loop end to end, with real receivers: SMTP (aiosmtpd) and HTTP on 127.0.0.1.

Dates are fixed in November 2026 (China's calendar: no holiday that month) and
passed as ``--at`` / ``--now``, so working days are known: the lead is created
on Monday 2 November; Thursday 5 November is its third working day without a
follow-up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline_tui.automation.delivery import MAX_TRIES
from pipeline_tui.core import clock
from pipeline_tui.yaml.read import parse_fast
from tests.automation_servers import Hook, Mailbox, http_server, smtp_server
from tests.conftest import RunCli
from tests.gitutil import deal_path, git, log

CREATED = "2026-11-02T09:00:00+08:00"
TEAM = """
team:
  dana:  {email: dana@example.com}
  alice: {manager: dana, email: alice@example.com}
  bob:   {manager: dana, email: bob@example.com}
"""


def rules(mail: Mailbox, hook: Hook) -> str:
    return f"""
calendar: {{country: CN}}
automations:
  - name: first call
    trigger: {{created: {{}}}}
    when: {{source: {{in: [website, event]}}}}
    actions:
      - assign: {{round_robin: [alice, bob]}}
      - next_step: {{action: First call, due: +24h}}
  - name: escalate silent deals
    trigger: {{no_activity: {{working_days: 3}}}}
    when: {{stage: {{in: [lead, qualified, proposal, negotiation]}}}}
    actions:
      - escalate:
          to:
            - "{mail.url("{manager_email}")}"
            - "wecom:{hook.url("/cgi-bin/webhook/send?key=${WECOM_KEY}")}"
  - name: proposal work
    trigger: {{entered: proposal}}
    actions:
      - next_step: {{action: Send proposal, due: +2 working days}}
  - name: loss review
    trigger: {{closed: lost}}
    actions:
      - require_review: {{}}
"""


def configure(repo: Path, extra: str) -> None:
    """Replace the team and add ``extra`` to pipeline.yaml, committed."""
    config = repo / "pipeline.yaml"
    text = config.read_text("utf-8").replace(
        "team:                        # owner -> manager, used for escalation\n"
        "  alice: {manager: dana}\n",
        TEAM,
    )
    config.write_text(text + extra, "utf-8")
    git(repo, "commit", "-qam", "automation rules")


def deal(repo: Path, opp_id: str) -> dict[str, object]:
    data = parse_fast(deal_path(repo, opp_id).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def mail() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def hook() -> Iterator[Hook]:
    with http_server() as server:
        yield server


def test_the_seed_loop(
    repo: Path, run_cli: RunCli, mail: Mailbox, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_KEY", "k-123")
    configure(repo, rules(mail, hook))
    assert run_cli("validate").exit_code == 0

    # A website lead is created: assigned round robin, "First call" due in 24 h.
    made = run_cli(
        "new",
        "Cloud move",
        "--account",
        "Huawei",
        "--source",
        "website",
        "--id",
        "cloud",
        "--at",
        CREATED,
    )
    assert made.exit_code == 0, made.output
    assert deal(repo, "cloud")["owner"] == "alice"
    assert deal(repo, "cloud")["next_step"] == {
        "action": "First call",
        "due": parse_fast("2026-11-03"),
    }
    assert log(repo, "%an|%s")[0] == (
        "pipeline automation|automation 'first call': owner alice, "
        "next step 'First call' due 2026-11-03 (cloud)"
    )
    run_cli(
        "new",
        "Second lead",
        "--account",
        "ZTE",
        "--source",
        "website",
        "--id",
        "second",
        "--at",
        CREATED,
    )
    assert deal(repo, "second")["owner"] == "bob"  # round robin

    # Two working days later: nothing yet.
    early = run_cli("automate", "run", "--now", "2026-11-04T10:00:00+08:00", "--json")
    assert json.loads(early.stdout)["fired"] == []
    assert mail.messages == [] and hook.requests == []
    run_cli(
        "log",
        "second",
        "--kind",
        "call",
        "--note",
        "intro call",
        "--at",
        "2026-11-04T09:00:00+08:00",
    )

    # Third working day with no follow-up: the manager gets one e-mail and one WeCom message.
    dry = run_cli("automate", "run", "--dry-run", "--now", "2026-11-05T10:00:00+08:00")
    assert "would do: automation 'escalate silent deals': escalation to dana (cloud)" in dry.stdout
    assert mail.messages == []
    done = run_cli("automate", "run", "--now", "2026-11-05T10:00:00+08:00")
    assert done.exit_code == 0, done.output
    assert len(mail.messages) == 1
    _sender, recipients, message = mail.messages[0]
    assert recipients == ["dana@example.com"]
    assert message["Subject"] == "Escalation: Cloud move needs a follow-up"
    assert "Owner: alice" in message.get_content()
    assert hook.requests == [
        (
            "/cgi-bin/webhook/send?key=k-123",
            {
                "msgtype": "text",
                "text": {
                    "content": "Escalation: Cloud move needs a follow-up\n"
                    + message.get_content().strip()
                },
            },
        )
    ]
    again = run_cli("automate", "run", "--now", "2026-11-05T16:00:00+08:00")
    assert again.exit_code == 0 and "Nothing to do" in again.stdout
    assert len(mail.messages) == 1 and len(hook.requests) == 1
    assert "k-123" not in deal_path(repo, "cloud").read_text("utf-8")  # secrets stay in the env

    # Moved to proposal: the next step becomes "Send proposal".
    run_cli("set", "cloud", "amount=80000", "expected_close=2026-12-20")
    assert run_cli("move", "cloud", "proposal", "--at", "2026-11-06T10:00:00+08:00").exit_code == 0
    assert deal(repo, "cloud")["next_step"] == {
        "action": "Send proposal",
        "due": parse_fast("2026-11-10"),
    }

    # Closed lost: a review appears, and closes once the reason and a note are in.
    run_cli("close", "cloud", "lost", "--reason", "price", "--at", "2026-11-09T10:00:00+08:00")
    step = deal(repo, "cloud")["next_step"]
    assert isinstance(step, dict) and step["action"] == "Review: fill lost_reason and log a note"
    run_cli(
        "log", "cloud", "--kind", "call", "--note", "asked why", "--at", "2026-11-09T11:00:00+08:00"
    )
    assert "next_step" in deal(repo, "cloud")  # a call is not the review note
    run_cli(
        "log",
        "cloud",
        "--kind",
        "note",
        "--note",
        "Lost on price: 20% above ZTE",
        "--at",
        "2026-11-10T10:00:00+08:00",
    )
    assert "next_step" not in deal(repo, "cloud")
    assert log(repo)[0] == "automation 'loss review': review done (cloud)"
    assert run_cli("validate").exit_code == 0


def test_a_failing_target_never_blocks_the_write_and_is_retried(
    repo: Path, run_cli: RunCli, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(
        repo,
        f"""
notify_timeout_seconds: 0.5
automations:
  - name: tell the team
    trigger: {{created: {{}}}}
    actions:
      - notify: {{to: ["slack:{hook.url("/fail/slack")}", "webhook:{hook.url("/slow/hook")}",
                       "dingtalk:{hook.url("/refuse/ding")}", "feishu:{hook.url("/feishu")}"]}}
""",
    )
    made = run_cli("new", "Big deal", "--account", "ACME", "--id", "big")
    assert made.exit_code == 0
    assert deal(repo, "big")["title"] == "Big deal"
    assert "refused the message: code 310000 sign not match" in made.stderr
    assert "did not answer within 0.5s" in made.stderr
    assert "answered HTTP 500" in made.stderr
    state = deal(repo, "big")["automation"]
    assert isinstance(state, dict)
    assert [entry["error"] for entry in state["retry"]] == [
        f"127.0.0.1:{hook.port} answered HTTP 500 Internal Server Error",
        f"127.0.0.1:{hook.port} did not answer within 0.5s",
        f"127.0.0.1:{hook.port} refused the message: code 310000 sign not match",
    ]
    assert hook.bodies("/feishu") == [
        {
            "msg_type": "text",
            "content": {"text": "Deal update: Big deal\nBig deal (ACME) is in lead; owner ."},
        }
    ]
    assert hook.bodies("/fail/slack") == [
        {"text": "*Deal update: Big deal*\nBig deal (ACME) is in lead; owner ."}
    ]
    # The commits say truthfully what was sent and what failed (one of four arrived).
    host = f"127.0.0.1:{hook.port}"
    assert log(repo)[:2] == [
        f"automation: 3 notifications to slack: {host}, webhook: {host}, dingtalk: {host} "
        "failed, queued for retry (big)",
        "big: created in lead",
    ]

    # A run before the first wait (15 minutes) is over retries nothing and commits nothing.
    head = git(repo, "rev-parse", "HEAD")
    early = run_cli("automate", "run")
    assert early.exit_code == 0 and "Nothing to do" in early.stdout
    assert git(repo, "rev-parse", "HEAD") == head
    # The next run after it retries and reports; still failing, it stays queued (tries counted).
    monkeypatch.setenv(clock.ENV, (datetime.now(UTC) + timedelta(minutes=16)).isoformat())
    retried = run_cli("automate", "run", "--json")
    assert retried.exit_code == 1
    outcome = json.loads(retried.stdout)
    assert len(outcome["failed"]) == 3 and outcome["sent"] == []
    assert [e["tries"] for e in deal(repo, "big")["automation"]["retry"]] == [2, 2, 2]  # type: ignore[index]
    assert len(hook.bodies("/fail/slack")) == 2


def test_bad_rules_give_a_clear_line(repo: Path, run_cli: RunCli) -> None:
    configure(
        repo,
        """
automations:
  - name: typo
    trigger: {entered: propsal}
    actions:
      - tag: hot
  - name: loop
    trigger: {changed: owner}
    when: {regoin: north}
    actions:
      - assign: {round_robin: [alice]}
  - name: nowhere
    trigger: {created: {}}
    actions:
      - notify: {to: [slack-channel]}
""",
    )
    result = run_cli("validate")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(
        line.startswith("pipeline.yaml:") and "unknown stage 'propsal'" in line for line in lines
    )
    assert any("unknown field 'regoin'" in line for line in lines)
    assert any("changes owner, which triggers the rule again (a loop)" in line for line in lines)
    assert any("'slack-channel' is not a notification target" in line for line in lines)
    first = next(line for line in lines if "propsal" in line)
    assert first.split(":")[1].isdigit()  # file:line
    # A bad rule never blocks a write: the rules are off and the user is told.
    made = run_cli("new", "Deal", "--account", "ACME", "--id", "d1")
    assert made.exit_code == 0 and "automations are off" in made.stderr
    assert run_cli("automate", "run").exit_code == 1
    # `report` ends its own process early (no teardown): after saying so, not before.
    reported = subprocess.run(
        [sys.executable, "-m", "pipeline_tui", "--repo", str(repo), "report", "summary"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert reported.returncode == 0 and "Open opportunities" in reported.stdout
    assert "automations are off" in reported.stderr


def test_the_schema_locates_a_malformed_rule(repo: Path, run_cli: RunCli) -> None:
    configure(
        repo, "automations:\n  - name: x\n    trigger: {sometimes: 1}\n    actions: [{tag: a}]\n"
    )
    result = run_cli("validate")
    assert result.exit_code == 1
    assert "pipeline.yaml:" in result.stderr and "automations.0.trigger" in result.stderr


def test_automate_test_explains_one_deal(repo: Path, run_cli: RunCli) -> None:
    configure(
        repo,
        """
automations:
  - name: big and late
    trigger: {next_step_overdue: {days: 1}}
    when: {amount: {gte: 50000}, tags: {has: key}}
    actions:
      - tag: late
""",
    )
    run_cli(
        "new",
        "Deal",
        "--account",
        "ACME",
        "--id",
        "d1",
        "--amount",
        "60000",
        "--set",
        "tags=[key]",
        "--set",
        "next_step.action=Call",
        "--set",
        "next_step.due=2026-11-02",
        "--at",
        CREATED,
    )
    shown = run_cli("automate", "test", "big and late", "d1", "--now", "2026-11-04T10:00:00+00:00")
    assert "pass: amount gte 50000 (is 60000)" in shown.stdout
    assert "pass: tags has 'key'" in shown.stdout
    assert "would fire now: yes" in shown.stdout
    run_cli("automate", "run", "--now", "2026-11-04T10:00:00+00:00")
    assert deal(repo, "d1")["tags"] == ["key", "late"]
    shown = run_cli(
        "automate", "test", "big and late", "d1", "--now", "2026-11-04T10:00:00+00:00", "--json"
    )
    assert json.loads(shown.stdout)["already_fired"] is True


def test_a_changed_field_rule_fires_only_when_the_field_changes(
    repo: Path, run_cli: RunCli
) -> None:
    configure(
        repo,
        """
automations:
  - name: big
    trigger: {changed: amount}
    when: {amount: {gte: 100000}}
    actions:
      - tag: big
""",
    )
    run_cli("new", "Deal", "--account", "ACME", "--id", "d1", "--amount", "5000")
    run_cli("log", "d1", "--kind", "call", "--note", "hello")
    assert "tags" not in deal(repo, "d1")
    run_cli("set", "d1", "amount=250000")
    assert deal(repo, "d1")["tags"] == ["big"]
    assert log(repo)[0] == "automation 'big': tag 'big' (d1)"


LEADS_CSV = """id,title,account,source,stage,amount
web-1,Website lead one,ACME,website,lead,1000
web-2,Website lead two,Globex,website,lead,2000
old-win,Old win,Initech,website,won,5000
"""

FIRST_CALL = """
automations:
  - name: first call
    trigger: {created: {}}
    when: {source: {in: [website]}}
    actions:
      - assign: {round_robin: [alice, bob]}
      - next_step: {action: First call, due: +24h}
"""


@pytest.mark.parametrize("automate", [True, False])
def test_an_import_runs_the_event_rules_for_the_open_deals_it_creates(
    repo: Path, run_cli: RunCli, tmp_path: Path, automate: bool
) -> None:
    configure(repo, FIRST_CALL)
    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS_CSV, "utf-8")
    before = len(log(repo))

    result = run_cli("import", str(leads), *([] if automate else ["--no-automations"]))

    assert result.exit_code == 0, result.stderr
    listed = {r["title"]: r for r in json.loads(run_cli("list", "--json").stdout)}
    leads_now = [listed["Website lead one"], listed["Website lead two"]]
    owners = {r.get("owner") for r in leads_now}
    steps = [r.get("next_step") for r in leads_now]
    assert "owner" not in listed["Old win"] and "next_step" not in listed["Old win"]
    fired = [m for m in log(repo)[: len(log(repo)) - before] if m.startswith("automation 'first")]
    if automate:
        assert owners == {"alice", "bob"}
        assert all(isinstance(s, dict) and s["action"] == "First call" for s in steps)
        assert len(fired) == 2
    else:
        assert owners == {None} and steps == [None, None] and fired == []


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_automate_run_refuses_a_now_in_the_future(
    repo: Path, run_cli: RunCli, tmp_path: Path, dry_run: bool
) -> None:
    """A future ``--now`` would send escalations not yet due and record them as done."""
    sent = tmp_path / "sent.log"
    configure(
        repo,
        f"""
automations:
  - name: silent
    trigger: {{no_activity: {{days: 3}}}}
    actions:
      - run: {{command: [sh, -c, "echo escalated >> {sent}"]}}
""",
    )
    assert run_cli("new", "Fresh", "--account", "F", "--id", "fresh").exit_code == 0
    head = git(repo, "rev-parse", "HEAD")
    future = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    dry = ["--dry-run"] if dry_run else []

    result = run_cli("automate", "run", *dry, "--now", future)

    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "--now" in line and future in line and "future" in line
    assert result.stdout == ""  # nothing planned, nothing printed as done
    assert not sent.exists()
    assert git(repo, "rev-parse", "HEAD") == head and "automation" not in deal(repo, "fresh")
    present = run_cli("automate", "run", *dry)
    assert present.exit_code == 0 and "Nothing to do" in present.stdout


def test_a_target_that_can_never_work_is_an_error_with_its_line(
    repo: Path, run_cli: RunCli
) -> None:
    configure(
        repo,
        """
automations:
  - name: first call
    trigger: {created: {}}
    actions:
      - notify: {to: ["mailto://sales@example.com", "bogus://nothing", "webhook:https://"]}
""",
    )
    result = run_cli("validate")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "first call" in line]
    assert len(lines) == 2, lines  # mailto:// is fine; the other two are not
    bogus = next(line for line in lines if "bogus://nothing" in line)
    assert bogus.startswith("pipeline.yaml:") and bogus.split(":")[1].isdigit()
    assert ": error: automations: " in bogus and "apprise" in bogus
    assert any("'webhook:https://' is not a notification target" in line for line in lines)


def test_a_dead_target_is_given_up_once_after_its_tries(
    repo: Path, run_cli: RunCli, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retried with growing waits (no commit while one waits), given up, recorded once."""
    configure(
        repo,
        f"""
automations:
  - name: first call
    trigger: {{created: {{}}}}
    actions:
      - notify: {{to: ["webhook:{hook.url("/fail/dead")}"], message: "new {{title}}"}}
""",
    )
    assert run_cli("new", "Lead", "--account", "L", "--id", "lead").exit_code == 0  # try 1
    when = datetime.now(UTC)
    for _ in range(2, MAX_TRIES + 1):
        head = git(repo, "rev-parse", "HEAD")
        assert run_cli("automate", "run").exit_code == 0  # still waiting: nothing, no commit
        assert git(repo, "rev-parse", "HEAD") == head
        when += timedelta(days=1, minutes=1)  # past the longest wait
        monkeypatch.setenv(clock.ENV, when.isoformat())
        result = run_cli("automate", "run")
        assert result.exit_code == 1
    assert len(hook.bodies("/fail/dead")) == MAX_TRIES
    assert "given up" in result.stderr and "lead" in result.stderr
    state = deal(repo, "lead")["automation"]
    assert isinstance(state, dict) and "retry" not in state
    [kept] = state["undelivered"]
    assert kept["tries"] == MAX_TRIES and kept["gave_up_at"] and "HTTP 500" in kept["error"]
    assert log(repo)[0] == (
        f"automation: notification to webhook: 127.0.0.1:{hook.port} failed {MAX_TRIES} times, "
        "given up (lead)"
    )
    head = git(repo, "rev-parse", "HEAD")
    for _ in range(3):  # given up: never tried again, no more commits
        when += timedelta(days=2)
        monkeypatch.setenv(clock.ENV, when.isoformat())
        again = run_cli("automate", "run")
        assert again.exit_code == 0 and "Nothing to do" in again.stdout
    assert git(repo, "rev-parse", "HEAD") == head
    assert len(hook.bodies("/fail/dead")) == MAX_TRIES
