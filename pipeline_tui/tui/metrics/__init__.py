"""The metrics screen: report indicators in panes, cut by owner, source and window."""
