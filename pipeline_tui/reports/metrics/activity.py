"""Indicator 7, team activity: who did how much work in the window."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import Timelines, deal_facts, owner_key
from pipeline_tui.reports.metrics.window import Window


def team_activity(
    pipeline: Pipeline, timelines: Timelines, window: Window, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per person in the window: commits, activities logged, stage moves, deals touched.

    People are named as git and the activity log name them: the commit
    author for changes and moves, an activity's ``by`` (else the deal's
    owner) for activities.  Keep ``git config user.name`` equal to the owner
    names in pipeline.yaml (or use ``pipeline --as NAME``) so they line up.
    A deal's creation is a change but not a move; uncommitted edits are not
    counted until they are committed.

    This walks every event in history, so it keeps one plain set or count
    per person and figure rather than an object per event.
    """
    commits: dict[str, set[str]] = defaultdict(set)
    touched: dict[str, set[str]] = defaultdict(set)
    moves: dict[str, int] = defaultdict(int)
    activities: dict[str, int] = defaultdict(int)
    everything, contains = window.unbounded, window.contains
    facts = deal_facts(pipeline, timelines, now)
    for record, history in zip(facts.records, facts.histories, strict=True):
        opp_id = record.id
        for index, stay in enumerate(history):
            if stay.uncommitted or not stay.commit:
                continue
            if not everything and not contains(stay.entered):
                continue
            person = stay.author or owner_key(record)
            commits[person].add(stay.commit)
            touched[person].add(opp_id)
            moves[person] += index > 0
        timeline = timelines.get(opp_id)
        if timeline is not None:
            for change in timeline.changes:
                if change.undone or not change.commit:  # an undone change never happened
                    continue
                if change.at <= now and (everything or contains(change.at)):
                    commits[change.author].add(change.commit)
                    touched[change.author].add(opp_id)
        for activity in record.activities:
            if activity.at <= now and (everything or contains(activity.at)):
                person = activity.by or owner_key(record)
                activities[person] += 1
                touched[person].add(opp_id)

    return {
        name: {
            "changes": len(commits[name]),
            "activities": activities[name],
            "moves": moves[name],
            "touched": len(deals),
        }
        for name, deals in sorted(touched.items(), key=lambda item: (-len(item[1]), item[0]))
    }
