"""A ``pipeline_tui`` package planted in a repository, as a hostile teammate could commit one.

Python started with ``-c`` or ``-m`` puts its current folder first on
``sys.path``; a child interpreter the pipeline starts inside the repository
would import this decoy instead of the installed package.  The decoy leaves
a mark, so a test sees whether it ran.
"""

from __future__ import annotations

from pathlib import Path


def plant_decoy(folder: Path, mark: Path) -> None:
    """Write ``folder/pipeline_tui/__init__.py``, which writes ``mark`` if it is ever imported."""
    package = folder / "pipeline_tui"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        f"from pathlib import Path\nPath({str(mark)!r}).write_text('the decoy ran')\n",
        encoding="utf-8",
    )
