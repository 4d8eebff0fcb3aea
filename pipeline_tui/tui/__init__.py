"""The Textual front end: board, detail, metrics, forms (see docs/tui.md)."""
