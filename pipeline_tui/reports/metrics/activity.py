"""Indicator 7, team activity: who did how much work in the window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline_tui.core.model import Pipeline
from pipeline_tui.reports.metrics.lifecycle import Timelines, clip, owner_key
from pipeline_tui.reports.metrics.window import Window


@dataclass
class _Tally:
    commits: set[str] = field(default_factory=set)
    activities: int = 0
    moves: int = 0
    touched: set[str] = field(default_factory=set)


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
    """
    people: dict[str, _Tally] = {}

    def tally(person: str) -> _Tally:
        return people.setdefault(person, _Tally())

    for record in pipeline.opportunities:
        timeline = timelines.get(record.id)
        if timeline is not None:
            for index, stay in enumerate(clip(timeline.stages, now)):
                if stay.uncommitted or not stay.commit or not window.contains(stay.entered):
                    continue
                person = tally(stay.author or owner_key(record))
                person.commits.add(stay.commit)
                person.touched.add(record.id)
                person.moves += index > 0
            for change in timeline.changes:
                if change.undone:  # an undone change and its undo never happened
                    continue
                if change.at <= now and window.contains(change.at) and change.commit:
                    person = tally(change.author)
                    person.commits.add(change.commit)
                    person.touched.add(record.id)
        for activity in record.activities:
            if activity.at <= now and window.contains(activity.at):
                person = tally(activity.by or owner_key(record))
                person.activities += 1
                person.touched.add(record.id)
    return {
        name: {
            "changes": len(t.commits),
            "activities": t.activities,
            "moves": t.moves,
            "touched": len(t.touched),
        }
        for name, t in sorted(people.items(), key=lambda item: (-len(item[1].touched), item[0]))
    }
