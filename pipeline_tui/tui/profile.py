"""Profile completeness of one deal: which configured profile fields are filled.

A stand-in until ``pipeline_tui.metrics`` offers the per-deal figure; the
definition is METRICS.md's (share of ``profile_fields`` that are filled).
"""

from __future__ import annotations

from pipeline_tui.config import PipelineConfig
from pipeline_tui.model import Opportunity, is_filled


def completeness(record: Opportunity, config: PipelineConfig) -> tuple[float | None, list[str]]:
    """(share filled, missing field names); share is None when none are configured."""
    fields = config.profile_fields
    if not fields:
        return None, []
    missing = [f for f in fields if not is_filled(record.profile.get(f))]
    return (len(fields) - len(missing)) / len(fields), missing
