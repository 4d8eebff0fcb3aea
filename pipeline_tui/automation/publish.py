"""Time rules across clones: record the firing in git, publish it, and only then send.

Two teammates (or a cron job and a CI job) may run ``pipeline automate run``
for the same overdue deal before either has synced.  Each would see the rule
fire; a notification must still go out once.  The protocol
(docs/automation.md, "Two clones, one notification"):

1. pull, so the run starts from what teammates already did; while the
   pipeline holds a conflict a sync recorded, stop here (exit 1): a push
   would publish it, which ``pipeline sync`` itself never does;
2. plan, and *claim*: commit each firing's episode key (and the queued
   retries it takes on) locally, as the automation;
3. push those commits as a fast-forward.  Accepted: this clone owns the
   firings.  Rejected (someone pushed first): drop the unpublished claims
   (only the automation's commits of this run, nothing of the user's), pull,
   and plan again; a firing the teammate claimed no longer fires;
4. send, and queue failures for the next run in one more commit, published
   by a last pull (best effort: it goes out with the next sync otherwise).

A push that fails for any other reason (the network, credentials) drops the
claims too, so nothing is marked done that was not sent; the error is the
run's.  Without a remote the run claims and sends locally.  The price is
at-most-once: a run killed between publishing and sending loses that
message, which is better for a team than hearing it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from pipeline_tui.automation.delivery import DeliveryReport
from pipeline_tui.automation.engine import (
    RuleSet,
    RunPlan,
    claim,
    deliver,
    plan_run,
)
from pipeline_tui.core.errors import ConflictsPending, SyncError
from pipeline_tui.core.model import Pipeline
from pipeline_tui.core.validation import recorded_conflicts
from pipeline_tui.edits.change import AUTOMATION_AUTHOR
from pipeline_tui.edits.workspace import Workspace
from pipeline_tui.git import remote as git_remote
from pipeline_tui.git.commits import run_git
from pipeline_tui.i18n import _, ngettext

#: How many times a run replans after losing the push race before giving up.
ATTEMPTS = 5

Pull = Callable[[], None]


@dataclass
class RunOutcome:
    """What one ``automate run`` did: its final plan, what was sent, races lost, problems."""

    plan: RunPlan
    report: DeliveryReport
    races_lost: int = 0
    problems: tuple[str, ...] = ()


def run_time_rules(
    ws: Workspace,
    ruleset: RuleSet,
    now: datetime,
    at: datetime | None,
    remote: str | None,
    pull: Pull,
    attempts: int = ATTEMPTS,
    load: Callable[[], Pipeline] | None = None,
) -> RunOutcome:
    """Plan, claim, publish (with a remote), then send: each firing happens in one clone.

    ``load`` reads the pipeline for each plan (default ``ws.load``).
    """
    if remote is not None:
        pull()
    lost = 0
    while True:
        seen = ws.git.head()
        pipeline = (load or ws.load)()
        if remote is not None:
            refuse_conflicts(pipeline)
        plan = plan_run(ws, ruleset, now, pipeline)
        if remote is None:
            claim(ws, plan, at)
            break
        if _claim_and_publish(ws, plan, at, remote, seen):
            break
        lost += 1
        if lost >= attempts:
            raise SyncError(
                "busy",
                _(
                    "{remote} kept moving while claiming automation firings ({lost} attempts); "
                    "nothing was sent: run `pipeline automate run` again in a moment"
                ).format(remote=remote, lost=lost),
            )
        pull()  # take in the teammate's claims; the next plan leaves their firings out
    report = deliver(ws, plan, ruleset, at)
    problems: tuple[str, ...] = ()
    if remote is not None and (report.sent or report.failed):
        try:
            pull()
        except SyncError as exc:
            problems = (f"the delivery records stay local until the next sync: {exc}",)
    return RunOutcome(plan, report, lost, problems)


def refuse_conflicts(pipeline: Pipeline) -> None:
    """Refuse to publish while the pipeline holds conflicts a sync recorded.

    A push sends the whole branch, and ``pipeline sync`` keeps commits with
    a recorded conflict off the remote until the person who saw it settles
    it (``pipeline resolve``): a run that pushed its claims would publish
    the conflict to the whole team.  The same test as sync's
    (:func:`~pipeline_tui.core.validation.recorded_conflicts`).
    """
    conflicts = recorded_conflicts(pipeline.problems)
    if not conflicts:
        return
    deals = sorted({PurePosixPath(p.path).stem for p in conflicts})
    raise ConflictsPending(
        ngettext(
            "{n} conflict a sync recorded ({deals}) is not settled: nothing was run or sent, "
            "so it stays off the remote; settle it with `pipeline resolve ID`, then run "
            "`pipeline automate run` again",
            "{n} conflicts a sync recorded ({deals}) are not settled: nothing was run or sent, "
            "so they stay off the remote; settle them with `pipeline resolve ID`, then run "
            "`pipeline automate run` again",
            len(conflicts),
        ).format(n=len(conflicts), deals=", ".join(deals))
    )


def _claim_and_publish(
    ws: Workspace, plan: RunPlan, at: datetime | None, remote: str, seen: str | None
) -> bool:
    """Commit the claims and push them; False (claims dropped) if someone pushed first.

    Holding the workspace's write lock throughout means the only commits
    between ``base`` and HEAD are this run's claims, so dropping them can
    take nothing else with it.  A commit that landed after the plan was read
    (``seen``: a sync in another terminal may have brought in a conflict)
    counts as a lost race too: nothing is claimed, and the pipeline is read,
    checked and planned again.
    """
    repo = ws.git
    branch = repo.current_branch()
    with ws.transaction():
        base = repo.head()
        if base != seen:
            return False
        claim(ws, plan, at)
        if base is None or repo.head() == base:
            return True  # nothing claimed: nothing to publish
        set_upstream = repo.config_value(f"branch.{branch}.remote") is None
        try:
            pushed = git_remote.push(repo, remote, branch, set_upstream)
        except SyncError:
            _drop_claims(ws, base)
            raise
        if not pushed:
            _drop_claims(ws, base)
        return pushed


def _drop_claims(ws: Workspace, base: str) -> None:
    """Undo this run's unpublished claim commits (all the automation's, checked)."""
    repo = ws.git
    authors = repo.output("log", "--format=%an", f"{base}..HEAD").splitlines()
    if any(name != AUTOMATION_AUTHOR for name in authors):  # cannot happen under the lock
        raise SyncError("busy", _("a commit landed during the automation run; nothing was sent"))
    run_git(repo, "reset", "--quiet", "--keep", base)
