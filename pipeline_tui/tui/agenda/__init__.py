"""The agenda screen: today\x27s work, grouped by day."""
