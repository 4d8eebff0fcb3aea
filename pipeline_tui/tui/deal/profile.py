"""Profile completeness of one deal, as the metrics count it, plus which fields are missing.

The share comes from :func:`pipeline_tui.reports.metrics.completeness.record_completeness`
(the same number ``pipeline report`` averages); the detail screen also names
the configured profile fields that are still empty, looked up the same way
(under ``profile:`` first, then at the top level).
"""

from __future__ import annotations

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, get_dotted, is_filled
from pipeline_tui.reports.metrics.completeness import record_completeness


def completeness(record: Opportunity, config: PipelineConfig) -> tuple[float | None, list[str]]:
    """(share filled, missing field names); share is None when none are configured."""
    fields = config.profile_fields
    share = record_completeness(record, fields)
    missing = [
        name
        for name in fields
        if not (
            is_filled(get_dotted(record.profile, name)) or is_filled(get_dotted(record.data, name))
        )
    ]
    return share, missing
