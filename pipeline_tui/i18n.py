"""Interface language: English or Simplified Chinese, from gettext ``.po`` catalogs.

Strings shown to people (TUI labels, report headings) are wrapped in ``_()``;
translations live in ``pipeline_tui/locale/<lang>/LC_MESSAGES/pipeline_tui.po``.
The catalogs are read with Babel's ``.po`` reader on first use, so there is no
compiled ``.mo`` to keep in sync and nothing is loaded by commands that print
only data.  The language comes from :func:`set_language` (``language:`` in
``pipeline.yaml``) or else from ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``.

To add a string: wrap it in ``_()`` and add a ``msgid``/``msgstr`` pair to
every catalog (``tests/test_i18n.py`` checks that each catalog parses and
that the seven core indicators are translated).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

DOMAIN = "pipeline_tui"
_LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_language: str | None = None


def set_language(code: str | None) -> None:
    """Force a language (``en`` or ``zh_CN``); None goes back to the environment."""
    global _language
    _language = normalize(code) if code else None


def current_language() -> str:
    if _language is not None:
        return _language
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return normalize(value)
    return "en"


def normalize(code: str) -> str:
    """``zh_CN.UTF-8``, ``zh-Hans``, ``zh`` -> ``zh_CN``; anything else -> ``en``."""
    return "zh_CN" if code.lower().replace("-", "_").startswith("zh") else "en"


def _(message: str) -> str:
    """The translation of ``message`` in the current language (itself if none)."""
    language = current_language()
    if language == "en":
        return message
    return catalog(language).get(message) or message


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "translate later")
    """Mark ``message`` as a msgid to translate where it is shown, not where it is defined.

    For class attributes and tables built on import (key bindings, report
    sections): translated then, they would keep the language of whichever
    module imported first.
    """
    return message


@cache
def catalog(language: str) -> dict[str, str]:
    """msgid -> msgstr for one language, read once per process."""
    from babel.messages.pofile import read_po  # only when a translation is needed

    path = _LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in parsed if m.id and isinstance(m.string, str)}
