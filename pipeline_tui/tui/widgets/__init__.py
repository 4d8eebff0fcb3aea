"""Widgets: they paint what the screen hands them and post messages up."""
