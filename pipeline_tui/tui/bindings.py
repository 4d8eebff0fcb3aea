"""Key binding descriptions translated when a screen is built, not when its class is defined.

``BINDINGS`` lists are class attributes, evaluated on import: wrapping their
descriptions in ``_()`` there would fix the language to whatever was current
when the module happened to be imported, before ``pipeline.yaml``'s
``language:`` is read.  Classes mark descriptions with :func:`~pipeline_tui.i18n.N_` instead and
call :func:`translate_bindings` in ``__init__``, when the language is known.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import BindingsMap
from textual.dom import DOMNode

from pipeline_tui.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Give ``node`` its own bindings with descriptions in the current language.

    Textual copies the class's merged bindings into each instance; replacing
    that copy (and never the class's) keeps every later instance translatable.
    """
    node._bindings = BindingsMap.from_keys(
        {
            key: [replace(b, description=_(b.description)) if b.description else b for b in group]
            for key, group in node._bindings.key_to_bindings.items()
        }
    )
