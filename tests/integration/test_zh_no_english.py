"""What a Chinese team reads is Chinese: the real CLI under ``LANG=zh_CN.UTF-8`` (issue 15).

One broad scenario a team goes through (init from the zh_CN template, new,
move, close, log, every report format and the HTML page, CSV export, history,
agenda, an import dry run, validate with a broken file, doctor, sync through a
bare remote with a conflict, resolve, undo, and every command's ``--help``),
all its stdout and stderr collected, and every run of two English words
outside an allowlist reported.  ``test_catalog_complete`` checks the strings
already marked for translation; this one finds the strings nobody marked.

What may stay English: ids, field keys and values the user types
(``lost_reason``, ``key=value``), file names, commands in backticks, option
names, units and formats (CSV, JSON, YAML, git), and data the user wrote.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline_tui.cli import cli

ENV = {"LANG": "zh_CN.UTF-8"}

#: Words that may appear in a Chinese interface: names of things the user types
#: or sees in files (commands, formats, git words shown as commands).
ALLOWED_WORDS = {
    "pipeline",
    "pipeline-tui",
    "git",
    "yaml",
    "csv",
    "json",
    "html",
    "markdown",
    "utf",
    "id",
    "ids",
    "iso",
    "url",
    "ssh",
    "tui",
    "crm",
    "sla",
    "bom",
    "excel",
    "cny",
    "usd",
    "gitattributes",
    "key",
    "value",
    "field",
    "column",
    "stage",
    "owner",
    "name",
    "file",
    "dir",
    "directory",
    "path",
    "text",
    "when",
    "date",
    "integer",
    "float",
    "choice",
    "boolean",
    "seconds",
    "filename",
    "section",
    "title",
    "new",
    "id-or-words",
    "null",
    "true",
    "false",
    "terminal",
    "won",
    "lost",
    "open",
    "main",
    "origin",
    "head",
    "github",
    "gitlab",
    "apprise",
    "slack",
    "webhook",
    "ics",
    "svg",
    "tmux",
    "lang",
    "zh",
    "cn",
    "en",
    "table",
    "chart",
    "flat",
    "sharded",
    "generic",
    "textual",
    "test",
    "user",  # the pinned git identity, "Test User" (tests/environment.py)
}
#: Backticked commands, options, ``key=value``, paths, ids and emails are the user's words.
NOT_PROSE = re.compile(
    r"`[^`]*`|'[^']*'|\"[^\"]*\"|--?[a-z][\w-]*|\b[\w.-]+=[^\s,;)]*|[\w./-]*/[\w./-]*"
    r"|\b[\w.-]+\.(?:yaml|yml|csv|json|html|md|txt|ics)\b|\S+@\S+|\[[a-z|]+\]"
    r"|\b[a-z0-9]+(?:-[a-z0-9]+)+\b|\b[a-z_]+_[a-z_]+\b|<[^>]*>|\{[^}]*\}"
    # a command line in a help example: pipeline list / show ID / move ID ...
    r"|\bpipeline [a-z-]+(?: (?:/ [a-z]+|[A-Z]+|--?[\w-]+))*"
    # the YAML parser's own detail after our words (ruamel's English, not ours)
    r"|YAML 语法错误：.*"
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,]+[A-Za-z][a-z]+)+\b")


def english_runs(text: str) -> list[str]:
    """Runs of two or more English words that are not commands, names or allowed terms."""
    found = []
    for line in text.splitlines():
        prose = NOT_PROSE.sub(" ", line)
        for run in ENGLISH_RUN.findall(prose):
            words = re.findall(r"[A-Za-z]+", run)
            if sum(w.lower() not in ALLOWED_WORDS for w in words) >= 2:
                found.append(f"{run!r} in {line.strip()!r}")
    return found


class Session:
    """The CLI run as a Chinese user runs it, every line it printed kept for the check."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.seen: list[tuple[str, str]] = []

    def run(self, *args: str, ok: bool = True, keep: bool = True, repo: Path | None = None) -> str:
        result = CliRunner(env=ENV).invoke(
            cli, ["--repo", str(repo or self.repo), *args], catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, (args, result.stdout, result.stderr)
        if keep:
            self.seen.append((" ".join(args), result.stdout + result.stderr))
        return result.stdout

    def findings(self) -> list[str]:
        """English runs in what was printed, commit subjects aside.

        Commit messages are the team's shared audit trail in git (``git log``,
        ``undo`` reads them back), written in English whoever commits; where a
        command echoes one, it is data, like a title.
        """
        subjects: list[str] = []
        if (self.repo / ".git").is_dir():
            subjects = git(self.repo, "log", "--format=%s").splitlines()
        found = []
        for cmd, out in self.seen:
            for subject in sorted(subjects, key=len, reverse=True):
                out = out.replace(subject, " ")
            found += [f"pipeline {cmd}: {hit}" for hit in english_runs(out)]
        return found


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[Session, Session]]:
    """Two teammates on one zh_CN pipeline, sharing a bare remote."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    first = CliRunner(env=ENV).invoke(
        cli, ["init", "--template", "zh_CN", str(tmp_path / "王芳")], catch_exceptions=False
    )
    assert first.exit_code == 0, first.output
    git(tmp_path / "王芳", "remote", "add", "origin", str(remote))
    mine = Session(tmp_path / "王芳")
    mine.seen.append(("init", first.output))
    yield mine, Session(tmp_path / "李强")  # who clones once the first sync published


def test_a_chinese_team_reads_no_english(team: tuple[Session, Session], tmp_path: Path) -> None:
    me, mate = team
    won = me.run("new", "华为云迁移项目", "--account", "华为技术", "--amount", "1250000").strip()
    lost = me.run("new", "小米门店系统", "--account", "小米", "--source", "官网咨询").strip()
    me.run("set", won, 'contact.phone="13800000000"', "expected_close=2026-12-31")
    me.run("move", won, "需求确认")
    me.run("move", won, "签约成交", ok=False)  # the stage's requirements, in Chinese
    me.run("log", won, "--kind", "call", "--note", "客户确认预算")
    me.run("undo", "--yes")
    me.run("log", won, "--kind", "call", "--note", "客户确认预算")
    me.run("close", lost, "lost", ok=False)  # no reason given
    me.run("close", lost, "lost", "--reason", "价格")
    me.run("assign", won, "张伟", ok=False)
    for args in (
        ("list",),
        ("show", won),
        ("history", won),
        ("stale",),
        ("forecast",),
        ("agenda", "--all"),
        ("report",),
        ("report", "--format", "markdown"),
        ("report", "--chart"),
        ("report", "--html", str(tmp_path / "报告.html")),
        ("export", "-o", str(tmp_path / "a.csv")),
    ):
        me.run(*args)
    me.seen.append(("report --html (page)", _visible_text(tmp_path / "报告.html")))

    rows = tmp_path / "导入.csv"
    rows.write_text("title,account,amount,stage\n新客户,某公司,abc,初步接触\n", encoding="utf-8")
    me.run("import", str(rows), "--dry-run", ok=False)

    me.run("sync")
    git(tmp_path, "clone", "--quiet", str(tmp_path / "remote.git"), str(mate.repo))
    mate.run("sync")
    mate.run("set", won, "amount=1300000")
    mate.run("sync")
    me.run("set", won, "amount=1200000")
    me.run("sync", ok=False)  # the same field changed on both sides: a recorded conflict
    me.run("resolve", won, "--ours")
    me.run("doctor", ok=False)

    broken = next((me.repo / "opportunities").rglob(f"{lost}.yaml"))
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    (me.repo / "opportunities" / "bad.yaml").write_text("title: 1\namount: -5\n", encoding="utf-8")
    me.run("validate", ok=False)
    me.run("list", ok=False)

    findings = me.findings() + mate.findings()
    assert findings == [], "\n".join(findings)


def test_every_help_text_is_chinese(tmp_path: Path) -> None:
    """``--help`` of the group and of every command, click's own words included."""
    session = Session(tmp_path)
    session.run("--help")
    for name in sorted(cli.list_commands(click.Context(cli))):
        session.run(name, "--help")
    session.run("frobnicate", ok=False)  # click's "No such command" and "Try ... for help"
    session.run("new", ok=False)  # click's "Missing argument"
    findings = session.findings()
    assert findings == [], "\n".join(findings)
    assert "用法" in session.seen[0][1] and "选项" in session.seen[0][1]


def test_the_check_sees_english() -> None:
    """The detector itself: prose is caught, the user's own words are not."""
    assert english_runs("pipeline: 3 files checked, all fine")
    assert english_runs("已同步 (received new commits)")
    assert not english_runs("已写入 `pipeline sync --json` 到 opportunities/ab/x.yaml；lost_reason")
    assert not english_runs("商机 hua-wei-yun-7k3f：amount=1200000")


def _visible_text(page: Path) -> str:
    """The HTML page's text, without tags, styles and scripts."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", "\n", html)


def test_automate_run_and_undo_speak_chinese(tmp_path: Path) -> None:
    """What ``automate run`` plans and did, what it sends, and ``undo``'s refusals."""
    repo = tmp_path / "王芳"
    made = CliRunner(env=ENV).invoke(
        cli, ["init", "--template", "zh_CN", str(repo)], catch_exceptions=False
    )
    assert made.exit_code == 0, made.output
    config = repo / "pipeline.yaml"
    config.write_text(
        config.read_text("utf-8")
        + """
automations:
  - name: 沉默
    trigger: {no_activity: {days: 3}}
    actions:
      - tag: 冷淡
      - next_step: {action: 回访, due: +2d}
      - run: {command: ["true"]}
""",
        "utf-8",
    )
    git(repo, "commit", "-qam", "rules")
    me = Session(repo)
    won = me.run("new", "华为云迁移项目", "--account", "华为技术", "--at", "2026-11-02").strip()
    me.run("set", won, "amount=5", "--at", "2026-11-03")  # my last change
    me.run("automate", "run", "--dry-run")
    me.run("automate", "run")  # claims the deal after my change
    me.run("undo", "--yes", ok=False)  # refused: the automation changed the deal since
    findings = me.findings()
    assert findings == [], "\n".join(findings)
    assert any("将执行" in out for _cmd, out in me.seen)
    assert any("无法撤销" in out for _cmd, out in me.seen)
