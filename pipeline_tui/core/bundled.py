"""Where bundled data lives: ``_data/`` inside a wheel, the project root in a checkout.

The JSON Schemas (``schema/``) and the sample pipeline (``sample_repo/``) sit
at the top of the project so editors and people find them; the wheel build
copies them under ``pipeline_tui/_data/``.  This module hides the difference.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The bundled folder ``name`` (``schema`` or ``sample_repo``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled data {name!r} is missing from this installation")
