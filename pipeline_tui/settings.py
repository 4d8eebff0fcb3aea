"""The person's own settings: ``settings.yaml`` in the platformdirs user config dir.

Not part of any pipeline (it follows the person from repository to
repository), e.g. ``~/.config/pipeline-tui/settings.yaml`` on Linux::

    agenda: true      # open the TUI on today's agenda instead of the board

Read with a line scan, not a YAML library: :mod:`pipeline_tui.i18n` reads
the language from here, so this sits below every layer, and a settings file is a handful of
``key: value`` lines.  A missing or unreadable file means the defaults.
"""

from __future__ import annotations

from pathlib import Path

SETTINGS_FILE = "settings.yaml"
_TRUE = frozenset({"true", "yes", "on", "1"})


def settings_path() -> Path:
    """Where the user's settings live (not in any pipeline: they follow the person)."""
    from platformdirs import user_config_path

    return user_config_path("pipeline-tui") / SETTINGS_FILE


def user_setting(key: str) -> str | None:
    """The text of top-level ``key:`` in the settings file, without quotes or comment."""
    return _read(str(settings_path())).get(key)


def agenda_first() -> bool:
    """``agenda: true``: the TUI opens on today's agenda (the board stays underneath)."""
    return (user_setting("agenda") or "").casefold() in _TRUE


def _read(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line[:1].isspace():
            continue  # nested values belong to a key we do not read
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.lstrip().startswith("#"):
            values.setdefault(key.strip(), value.split("#", 1)[0].strip().strip("'\""))
    return values
