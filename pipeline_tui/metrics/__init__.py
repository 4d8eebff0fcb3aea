"""Pure metric functions over a pipeline and its history (see METRICS.md)."""
