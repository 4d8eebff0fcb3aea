"""Interface language: English or Simplified Chinese, from gettext ``.po`` catalogs.

Strings shown to people (TUI labels, report headings) are wrapped in ``_()``;
translations live in ``pipeline_tui/locale/<lang>/LC_MESSAGES/pipeline_tui.po``.
The catalogs are read with Babel's ``.po`` reader on first use, so there is no
compiled ``.mo`` to keep in sync and nothing is loaded by commands that print
only data.

The language, strongest first: :func:`set_language` (a test or an explicit
option); ``language:`` in the user's own settings file
(``settings.yaml`` in the platformdirs user config dir, e.g.
``~/.config/pipeline-tui/settings.yaml``); the locale (``LC_ALL``, else
``LC_MESSAGES``, else ``LANG``; ``C``/``POSIX`` name no language); the team's
``language:`` in ``pipeline.yaml`` (:func:`set_pipeline_language`); English.
A person's own choice beats the machine's locale, which beats the team default.

To add a string: wrap it in ``_()`` and add a ``msgid``/``msgstr`` pair to
every catalog (``tests/unit/test_i18n.py`` checks that each catalog parses and
that the seven core indicators are translated).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pipeline_tui.settings import user_setting

DOMAIN = "pipeline_tui"
_LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_CONTEXT_SEP = "\x04"  # gettext's separator between msgctxt and msgid
_language: str | None = None
_pipeline_language: str | None = None


def set_language(code: str | None) -> None:
    """Force a language (``en`` or ``zh_CN``); None goes back to the usual order."""
    global _language
    _language = normalize(code) if code else None


def set_pipeline_language(code: str | None) -> None:
    """The team's default from ``pipeline.yaml``: used when nothing closer chooses."""
    global _pipeline_language
    _pipeline_language = normalize(code) if code else None


def current_language() -> str:
    return chosen_language() or _pipeline_language or "en"


def chosen_language() -> str | None:
    """The language chosen outside any pipeline (explicitly, by the user's settings, the locale).

    Part of the key of anything kept translated (the warm ``pipeline list``):
    ``pipeline.yaml``'s own ``language:`` is covered by that file's fingerprint.
    """
    return _language or user_language() or locale_language()


def locale_language() -> str | None:
    """The language the locale variables name (the first set one decides), if any."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return None if value.split(".")[0] in ("C", "POSIX") else normalize(value)
    return None


@cache
def user_language() -> str | None:
    """``language:`` from the user's settings file (:mod:`pipeline_tui.settings`).

    Cached because every ``_()`` asks; ``user_language.cache_clear()`` reads it again.
    """
    value = user_setting("language")
    return normalize(value) if value else None


def normalize(code: str) -> str:
    """``zh_CN.UTF-8``, ``zh-Hans``, ``zh`` -> ``zh_CN``; anything else -> ``en``."""
    return "zh_CN" if code.lower().replace("-", "_").startswith("zh") else "en"


def _(message: str) -> str:
    """The translation of ``message`` in the current language (itself if none)."""
    language = current_language()
    if language == "en":
        return message
    return catalog(language).get(message) or message


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context`` (a ``msgctxt``), for words with two senses.

    "Left" is the arrow key (左) on the board but "left the stage" (离开) in a
    deal's timeline; the catalog keeps them apart as ``msgctxt "timeline"``.
    """
    language = current_language()
    if language == "en":
        return message
    return catalog(language).get(f"{context}{_CONTEXT_SEP}{message}") or message


def ngettext(singular: str, plural: str, count: int) -> str:
    """``singular`` or ``plural`` by ``count`` in English; the translation of ``singular`` else.

    Chinese nouns have no plural (``3 个提交``), so the catalog needs one
    entry, keyed by the singular; a language with plurals would add ``msgid_plural``.
    """
    language = current_language()
    english = singular if count == 1 else plural
    if language == "en":
        return english
    return catalog(language).get(singular) or english


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
    return {
        (f"{m.context}{_CONTEXT_SEP}" if m.context else "") + str(m.id): str(m.string)
        for m in parsed
        if m.id and isinstance(m.string, str)
    }
