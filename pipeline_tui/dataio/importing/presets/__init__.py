"""CRM presets: one module per vendor, and recognising an export from its header.

Pure.  :func:`detect_preset` tries the vendors in an order that puts the
unambiguous markers first (``(Do Not Modify)`` is only Dynamics, ``Deal - ``
only Pipedrive, ``Record ID`` + ``Deal Stage`` only HubSpot, ``商机状态组``
only 悟空CRM), so a header that fits two presets goes to the more specific
one; the generic Chinese words come last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline_tui.dataio.importing.presets import (
    chinese,
    dynamics,
    hubspot,
    odoo,
    pipedrive,
    salesforce,
    wukong,
    zoho,
)
from pipeline_tui.dataio.importing.presets.base import Cells, CrmStage, Outcome, Preset
from pipeline_tui.i18n import _

__all__ = ["PRESETS", "Cells", "CrmStage", "Detection", "Outcome", "Preset", "detect_preset"]

#: In detection order.
PRESETS: tuple[Preset, ...] = (
    dynamics.PRESET,
    pipedrive.PRESET,
    hubspot.PRESET,
    zoho.PRESET,
    salesforce.PRESET,
    odoo.PRESET,
    wukong.PRESET,
    chinese.PRESET,  # the generic Chinese words last: a vendor's own markers go first
)
NAMES = tuple(p.name for p in PRESETS)


@dataclass(frozen=True, slots=True)
class Detection:
    """The preset used and why: the headers that matched, or ``--from``."""

    preset: Preset
    matched: tuple[str, ...]
    forced: bool = False

    def describe(self) -> str:
        label = _(self.preset.label)  # vendors' names are their own; a description is translated
        if self.forced:
            return _("{label} (--from {name})").format(label=label, name=self.preset.name)
        headers = ", ".join(repr(h) for h in self.matched)
        return _("{label} (header has {headers})").format(label=label, headers=headers)


def by_name(name: str) -> Preset:
    for preset in PRESETS:
        if preset.name == name.lower():
            return preset
    raise ValueError(
        _("unknown preset {name!r} (presets: {join}, generic)").format(
            name=name, join=", ".join(NAMES)
        )
    )


def detect_preset(columns: Sequence[str], forced: str | None = None) -> Detection | None:
    """The preset for this header (``forced``: ``--from NAME``; ``generic`` means none)."""
    if forced is not None:
        if forced.lower() == "generic":
            return None
        return Detection(by_name(forced), (), forced=True)
    for preset in PRESETS:
        matched = preset.detect(columns)
        if matched:
            return Detection(preset, matched)
    return None
