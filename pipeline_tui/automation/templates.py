"""Message templates: ``{title}``, ``{owner}``, ``{next_step.action}`` filled from a deal.

Placeholders are field names (dotted for nested ones) plus a few derived
values (``manager``, ``manager_email``, ``owner_email``, ``rule``, ``days``).
``${NAME}`` is left alone here: it is an environment variable, read only when
a notification is sent, so credentials are never written into the repository.
A placeholder with no value becomes empty text, never an error, so a
half-filled deal still gets its message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import get_dotted

_PLACEHOLDER = re.compile(r"(?<!\$)\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def deal_context(
    data: Mapping[str, Any], config: PipelineConfig, **extra: Any
) -> Mapping[str, Any]:
    """What a template may name for one deal: its fields plus owner/manager details.

    A shallow copy (the activities list is shared, not copied): a plain dict
    answers the few lookups a template makes several times faster than a
    ChainMap view, which is what 10,000 notifications in one run spend on.
    """
    owner = data.get("owner")
    name = owner if isinstance(owner, str) else None
    manager = config.manager_of(name)
    derived = {
        "manager": manager,
        "manager_email": _email(config, manager),
        "owner_email": _email(config, name),
        "currency": data.get("currency") or config.currency,
        **extra,
    }
    return {**data, **derived}


def render(template: str, context: Mapping[str, Any]) -> str:
    """``template`` with each ``{field}`` replaced by the context's value."""
    literals, names = _pieces(template)
    out = [literals[0]]
    for name, literal in zip(names, literals[1:], strict=True):
        found = context.get(name) if "." not in name else get_dotted(context, name)
        out.append("" if found is None else _text(found))
        out.append(literal)
    return "".join(out)


@lru_cache(maxsize=512)
def _pieces(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The template split once into its literal text and placeholder names (a run renders
    the same few templates for thousands of deals)."""
    parts = _PLACEHOLDER.split(template)
    return tuple(parts[0::2]), tuple(parts[1::2])


def placeholders(template: str) -> list[str]:
    """The names a template uses (for checking rules)."""
    return _PLACEHOLDER.findall(template)


def expand_environment(text: str, environ: Mapping[str, str]) -> str:
    """``${NAME}`` replaced from the environment; raises KeyError naming a missing one."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise KeyError(name)
        return environ[name]

    return _ENV.sub(value, text)


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _email(config: PipelineConfig, name: str | None) -> str | None:
    member = config.team.get(name or "")
    return member.email if member else None
