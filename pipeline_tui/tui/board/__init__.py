"""The board: its screen, and its state as a plain object (loading, polling, filter, cursor)."""
