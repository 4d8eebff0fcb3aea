"""Shared pieces of the ``pipeline`` command: the group, exit-code mapping, options.

Data goes to stdout, one plain line per problem to stderr, and the exit code
says what happened (see :class:`~pipeline_tui.core.errors.ExitCode`).  Command
modules (``records``, ``app``, ...) register themselves on :data:`cli`.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipeline_tui import __version__
from pipeline_tui.automation import wire
from pipeline_tui.cli.help_format import ColumnCommand, ColumnContext, ColumnGroup
from pipeline_tui.core.errors import ExitCode, InvalidData, PipelineError, RequirementsMissing
from pipeline_tui.core.model import Problem
from pipeline_tui.i18n import _, current_language, ngettext, set_pipeline_language
from pipeline_tui.storage.pickling import collector_paused
from pipeline_tui.tabular import Format
from pipeline_tui.terminal_text import printable

if TYPE_CHECKING:  # imported when a command opens the pipeline: --help and --version stay light
    from pipeline_tui.core.config import PipelineConfig
    from pipeline_tui.edits.workspace import Workspace
    from pipeline_tui.storage.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def open_workspace(repo: Path | None, author: str | None = None) -> Workspace:
    """A :class:`~pipeline_tui.edits.workspace.Workspace`, its module imported on first use."""
    from pipeline_tui.edits.workspace import Workspace

    return Workspace(repo, author)


@dataclass
class Context:
    repo: Path | None
    author: str | None
    opened: list[Workspace] = field(default_factory=list)
    #: Set by a command that built millions of objects: once it has returned
    #: and everything is printed, the process ends without freeing them.
    skip_teardown: bool = False
    #: What the command found that its exit code must say once all its output
    #: is out (:meth:`conclude`): files left out (1), stale deals (4).
    finding: ExitCode = ExitCode.OK

    def conclude(self, code: ExitCode) -> None:
        """End with ``code`` after the command has printed everything (the group exits with it).

        Why not ``sys.exit`` in the command: the output comes first and whole
        (a report's JSON stays one parseable document), the automations'
        lines still follow it, and a command that skips its teardown exits
        with the same code.  When two findings apply, the one that says data
        is missing wins: broken files left out (1) outrank stale deals (4),
        so a job alerting on "stale" cannot take a partial list for a whole one.
        """
        if _RANK.index(code) > _RANK.index(self.finding):
            self.finding = code

    def left_out(self, files: int) -> None:
        """Say that ``files`` deal files with errors are not in the numbers, and end with 1.

        The one note (and exit code) of every command that computes over the
        whole pipeline: ``report``, ``forecast``, ``stale``, ``agenda``, ``digest``.
        """
        if files:
            message = _(
                "{count} file(s) with errors left out of the numbers (see `pipeline validate`)"
            )
            report(message.format(count=files))
            self.conclude(ExitCode.PROBLEMS)

    def summed_as(self, deals: int, currency: str) -> None:
        """Say that ``deals`` deals in other currencies are summed as ``currency`` (no exit code).

        Their amounts are added as written (no rates to convert them with);
        ``validate`` names each one, as a warning: the deal still counts.
        """
        if deals:
            message = _(
                "{count} deal(s) in other currencies summed as {currency} (see `pipeline validate`)"
            )
            report(message.format(count=deals, currency=currency))

    def workspace(self) -> Workspace:
        """The pipeline, in its language, with its event rules wired into every write."""
        ws = open_workspace(self.repo, self.author)
        _speak_language_of(lambda: ws.config)
        wire(ws)
        self.opened.append(ws)
        return ws

    def store(self) -> Store:
        """The pipeline folder alone, in its language: for a command that only reads (validate).

        Why not :meth:`workspace`: a command that writes nothing needs neither
        the round-trip YAML editor, git nor the committer, and importing them
        is a tenth of a cold ``validate``.
        """
        from pipeline_tui.storage.files import open_root
        from pipeline_tui.storage.store import Store

        store = Store(open_root(self.repo))
        _speak_language_of(store.load_config)
        return store

    def report_automations(self) -> None:
        """What the automations did and what went wrong, on stderr after the command."""
        for ws in self.opened:
            for line in ws.automation_log:
                click.echo(line, err=True)
            for line in ws.automation_problems:
                report(_("automation: {line}").format(line=line))
            ws.automation_log.clear()
            ws.automation_problems.clear()


#: Findings in the order they outrank each other (see :meth:`Context.conclude`).
_RANK = (ExitCode.OK, ExitCode.STALE, ExitCode.PROBLEMS)


def error_files(problems: Iterable[Problem]) -> int:
    """How many files a load left out for their errors (a file's problems share its path)."""
    return len({p.path for p in problems if p.severity == "error"})


def _speak_language_of(config: Callable[[], PipelineConfig]) -> None:
    """Use the pipeline's language; an invalid pipeline.yaml is for the command to report."""
    with contextlib.suppress(PipelineError):  # (validate, doctor)
        set_pipeline_language(config().language)


#: Which module defines each command. Modules are imported only when their
#: command runs (or for --help and completion), so ``pipeline list --json``
#: does not pay for importing sync, reports, import/export and the demo.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(
        ("init", "new", "show", "list", "set", "move", "log", "close", "assign"), "records"
    ),
    "validate": "validate",
    **dict.fromkeys(("tui", "completion"), "app"),
    "demo": "demo",
    "history": "history",
    "agenda": "agenda",
    **dict.fromkeys(("report", "stale", "forecast"), "report"),
    **dict.fromkeys(("sync", "resolve", "doctor", "migrate", "merge-driver"), "sync"),
    "import": "imports",
    "export": "exports",
    "hook": "hooks",
    **dict.fromkeys(("automate", "digest"), "automation"),
    "undo": "undo",
}


class PipelineGroup(click.Group):
    """Loads commands lazily and maps the exception tree to exit codes.

    Errors become one line on stderr and an exit code, never a traceback.
    """

    context_class = ColumnContext
    command_class = ColumnCommand
    group_class = ColumnGroup

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        translate_help(self)  # subcommands are translated as they load (get_command)
        super().format_help(ctx, formatter)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"pipeline_tui.cli.{module}")
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            translate_help(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = self._invoke(ctx)
        finally:
            if isinstance(ctx.obj, Context):
                ctx.obj.report_automations()
        if not isinstance(ctx.obj, Context):
            return result
        code = ctx.obj.finding
        if ctx.obj.skip_teardown:
            from pipeline_tui.cli.teardown import exit_without_teardown

            exit_without_teardown(code)
        if code:
            ctx.exit(code)
        return result

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RequirementsMissing as exc:
            fields = " ".join(f"{key}=..." for key in exc.missing)
            report(
                _("{exc}; fill them first, e.g. `pipeline set ID {fields}`").format(
                    exc=exc, fields=fields
                )
            )
            ctx.exit(exc.exit_code)
        except InvalidData as exc:
            report_invalid(exc)
            ctx.exit(exc.exit_code)
        except PipelineError as exc:
            report(str(exc))
            ctx.exit(exc.exit_code)


def translate_click() -> None:
    """Click's own words (``Usage:``, ``Options:``, ``Error:``, ``Missing argument``) in ours.

    Click looks them up with gettext's functions, bound by name in each of its
    modules when they are imported, and gettext would need compiled ``.mo``
    files and the locale alone to choose the language.  Rebinding those names
    to :mod:`pipeline_tui.i18n` puts click's messages in the ``.po`` catalog
    and the pipeline's language order; English (no translation) is unchanged.
    Cheap: click is imported anyway, nothing else is.
    """
    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.types,
        click.termui,
    ):
        module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def translate_help(command: click.Command) -> None:
    """Put a command's and its options' help texts into the interface language.

    Click keeps the texts given to its decorators, which run on import; the
    help is shown later, so it is translated here, once per loaded command
    (the English text is the msgid, kept for a second translation).
    """
    if getattr(command, "_translated", None) == current_language():
        return
    english: dict[str, str | None] = getattr(command, "_english", None) or {"": command.help}
    # the msgid is the docstring as click shows it (indentation removed), not as written
    command.help = _(inspect.cleandoc(english[""])) if english[""] else None
    for param in command.params:
        if isinstance(param, click.Option):
            original = english.setdefault(param.name or "", param.help)
            param.help = _(original) if original else None
    command._help_option = None  # click builds --help once, in the language of that moment
    command._english = english  # type: ignore[attr-defined]
    command._translated = current_language()  # type: ignore[attr-defined]
    if isinstance(command, click.Group):  # `automate run`, `hook install`: listed by their group
        for sub in command.commands.values():
            translate_help(sub)


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for anything that may hold file text: control characters escaped.

    Every command prints through here (stdout data and stderr problem lines),
    so a title holding ``\\x1b[2J`` is shown, never run by the terminal.
    """
    click.echo(printable(message), err=err, nl=nl)


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Load without the cyclic GC, then freeze what was loaded.

    A read command loads some hundreds of thousands of objects (records,
    their JSON, intervals) that live until the process exits; left alone,
    Python's collector walks all of them in each full collection while they
    are made (three in a cold ``list --json`` at 10,000 deals: 0.3 s of the
    parent's CPU), again on every later allocation burst, and once more at
    exit.  Nothing loaded here forms garbage cycles, so freezing it is safe.
    A forked reader (:mod:`~pipeline_tui.storage.beside`) inherits the pause.
    """
    with collector_paused(freeze=True):  # frozen before the collector resumes, not after
        yield


def report(message: str) -> None:
    echo(_("pipeline: {message}").format(message=message), err=True)


def report_invalid(exc: InvalidData) -> None:
    """An error with the problems behind it: one plain line each, its heading in every line.

    Why not the heading on a line of its own: a script reading stderr line by
    line (or ``grep pipeline.yaml:14``) gets each problem whole, with what it
    stopped (``pipeline.yaml is invalid, fix it first: pipeline.yaml:14: error: ...``).
    """
    if not exc.problems:
        report(str(exc))
    for problem in exc.problems:
        report(f"{exc} {problem}")


def report_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        echo(str(problem), err=True)


def output_options(func: F) -> F:
    """``--json`` / ``--csv`` for every read command, passed on as ``fmt``."""

    @click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, for scripts).")
    @click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header row.")
    @wraps(func)
    def wrapper(*args: Any, as_json: bool, as_csv: bool, **kwargs: Any) -> Any:
        if as_json and as_csv:
            raise click.UsageError(_("choose one of --json and --csv"))
        fmt = Format.JSON if as_json else Format.CSV if as_csv else Format.TABLE
        return func(*args, fmt=fmt, **kwargs)

    return wrapper  # type: ignore[return-value]


def complete_ids(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for opportunity ids (file names, so it stays instant)."""
    try:
        root = ctx.find_root().params.get("repo")
        files = open_workspace(root).store.opportunity_files()
    except PipelineError:
        return []
    return [f.stem for f in files if f.stem.startswith(incomplete)]


def complete_stages(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    try:
        names = open_workspace(ctx.find_root().params.get("repo")).config.stage_names
    except PipelineError:
        return []
    return [n for n in names if n.startswith(incomplete)]


AT_OPTION = click.option(
    "--at",
    "at",
    metavar="WHEN",
    help="When it really happened (ISO date or datetime); becomes the commit's author date.",
)


def resolve_id(ws: Workspace, query: str) -> str:
    """The id ``query`` names (an id, a unique id prefix, or words of the title or account)."""
    return ws.store.find(query, ws.config)


def _id_callback(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Every ID argument goes through :func:`resolve_id`: ``pipeline show acme`` works."""
    if value is None:
        return None
    return resolve_id(ctx.find_object(Context).workspace(), value)  # type: ignore[union-attr]


ID_ARGUMENT = click.argument(
    "opp_id", metavar="ID", shell_complete=complete_ids, callback=_id_callback
)


translate_click()


@click.group("pipeline", cls=PipelineGroup, invoke_without_command=True)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PIPELINE_REPO",
    help="The pipeline folder (default: the nearest folder upwards holding pipeline.yaml).",
)
@click.option("--as", "author", metavar="NAME", help="Commit as NAME (default: git's user.name).")
@click.version_option(__version__, prog_name="pipeline")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None, author: str | None) -> None:
    """Sales opportunities as YAML files in a git repository.

    \b
    Start:   pipeline init my-deals && cd my-deals
    Create:  pipeline new "CRM rollout" --account "ACME Corp" --amount 120000
    Work:    pipeline list / show ID / move ID STAGE / log ID --kind call ...
    Check:   pipeline validate
    Try it:  pipeline demo

    Every change is one git commit, so `git log` is the audit trail.
    Run `pipeline` alone in a terminal to open the board.
    """
    ctx.obj = Context(repo, author)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            tui = cli.get_command(ctx, "tui")
            assert tui is not None
            ctx.invoke(tui)
        else:
            click.echo(ctx.get_help())
