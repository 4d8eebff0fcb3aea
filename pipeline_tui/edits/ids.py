"""New deal ids and commit author names: what keeps teammates' writes apart and attributable."""

from __future__ import annotations

import re
import secrets
import string

from pipeline_tui.core.errors import BadRequest
from pipeline_tui.core.slug import slugify
from pipeline_tui.i18n import _

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SUFFIX_LENGTH = 11


def new_id(title: str) -> str:
    """A slug of the title plus a random suffix, so offline teammates never collide.

    The suffix is :data:`SUFFIX_LENGTH` characters of ``[a-z0-9]``: with
    n = 100,000 deals under one slug (every Chinese title used to become
    ``deal-``), the birthday bound n²/(2·36^11) ≈ 3.8e-8 stays below one in a
    million (docs/ids.md has the calculation).  Two teammates offline cannot
    check each other's files, so the length is what keeps the promise; a clash
    that still happens is refused by
    :meth:`~pipeline_tui.edits.workspace.Workspace.create` and reported by ``pipeline sync``.
    """
    slug = slugify(title)
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{slug or 'deal'}-{suffix}"


def check_author_name(name: str) -> None:
    """``--as NAME`` must be a plain name.

    Why: git reads ``eve <x@y>`` as a name and an email, and a newline makes
    git's author and the file's ``by:`` disagree; the audit trail must name
    one person the same way everywhere.  (A name outside ``team:`` is allowed,
    as an owner outside it is only a warning: teams commit as newcomers.)
    """
    if not name.strip() or _NOT_IN_A_NAME.search(name) or name != name.strip():
        raise BadRequest(
            _(
                "--as {name!r}: give a plain name (no '<', '>', newlines or control characters)"
            ).format(name=name)
        )


_NOT_IN_A_NAME = re.compile(r"[<>\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
