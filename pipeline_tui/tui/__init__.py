"""The Textual front end. Imported only by ``pipeline tui`` (and a bare ``pipeline``)."""
