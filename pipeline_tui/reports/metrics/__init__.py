"""Pure metric functions over a pipeline and its history (see docs/metrics.md).

One module per family of indicators.  Every function takes the same four
arguments (``pipeline``, ``timelines``, ``window``, ``now``) and returns plain
JSON-ready values, so reports, the TUI and tests call them the same way and
nothing here reads the clock, the disk or git.  Definitions: docs/metrics.md.
"""

from pipeline_tui.reports.metrics.window import Window

__all__ = ["Window"]
