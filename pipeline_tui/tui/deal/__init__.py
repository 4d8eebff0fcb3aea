"""One deal: its detail screen, its forms, and the actions (writes) on it."""
