"""Automation: rules in ``pipeline.yaml`` that act on deals (docs/automation.md).

Pure pieces: :mod:`.rules` (parse and check ``automations:``), :mod:`.triggers`
(does an event or the clock call for a rule?), :mod:`.conditions`,
:mod:`.workdays` (weekends and public holidays), :mod:`.templates` and
:mod:`.actions` (one function per action, each returning planned changes and
deliveries, never writing).  :mod:`.notify` sends; :mod:`.engine` ties them to
a :class:`~pipeline_tui.edits.workspace.Workspace`, which commits what the
actions return.
"""
