"""Screens: the board (home), detail, metrics, and the modal forms and help."""
