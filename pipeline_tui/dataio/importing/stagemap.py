"""A CRM's stage list onto the pipeline's stages: by name, then by order.

Pure.  A CRM stage whose name is a pipeline stage's (any case or spelling)
maps to it; one whose words start like a pipeline stage (``Qualification``
-> ``qualified``, ``Proposal/Price Quote`` -> ``proposal``), or a Chinese
one sharing a two-character word with it (``谈判审核`` -> ``商务谈判``), is anchored there;
the rest take the stage of the anchor before them (the deal has got at least
that far), or the entry stage before the first anchor.  With no anchor at all
the CRM's open stages are spread over the pipeline's in order.

With ``--extend-config`` the CRM's stages that have no same-named pipeline
stage are added instead, each after the pipeline stage it would have mapped
to, so the CRM's order is kept and the pipeline's entry stage stays first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline_tui.core.config import PipelineConfig, Stage
from pipeline_tui.dataio.importing.columns import compact

_STEM = 6  # "qualif", "propos", "negoti": enough to tell stages apart


@dataclass(frozen=True, slots=True)
class StageMap:
    """CRM stage name -> pipeline stage name, plus the stages ``--extend-config`` adds."""

    mapping: dict[str, str]
    added: tuple[tuple[Stage, str], ...] = ()  # (new stage, the existing stage it follows)
    why: dict[str, str] | None = None

    def get(self, crm_stage: str) -> str | None:
        return self.mapping.get(compact(crm_stage))


def stage_slug(name: str) -> str:
    """A CRM stage name as a pipeline stage name (``Proposal/Price Quote`` -> proposal-price-quote).

    Letters, digits and Chinese characters are kept (``方案/报价`` ->
    ``方案-报价``), so a Chinese CRM's stages keep their names; the CRM's
    display name is in the commit message and the import summary.
    """
    return re.sub(r"[^a-z0-9\u4e00-\u9fff]+", "-", name.lower()).strip("-") or "stage"


def map_stages(
    crm: Sequence[tuple[str, float | None]], config: PipelineConfig, extend: bool = False
) -> StageMap:
    """Map every open CRM stage (in the CRM's order, with its probability if known)."""
    open_names = [s.name for s in config.open_stages]
    anchors = [_anchor(name, open_names) for name, _p in crm]
    mapping: dict[str, str] = {}
    why: dict[str, str] = {}
    if not any(anchors) and open_names:
        for index, (name, _p) in enumerate(crm):
            spot = round(index * (len(open_names) - 1) / max(len(crm) - 1, 1))
            mapping[compact(name)] = open_names[spot]
            why[name] = "by order"
    else:
        current = config.entry_stage.name
        for (name, _p), anchor in zip(crm, anchors, strict=True):
            if anchor:
                current = anchor[0]
                why[name] = anchor[1]
            else:
                why[name] = f"after {current}"
            mapping[compact(name)] = current
    if not extend:
        return StageMap(mapping, (), why)
    return _extended(crm, config, mapping)


def _anchor(name: str, open_names: Sequence[str]) -> tuple[str, str] | None:
    key = compact(name)
    for stage in open_names:
        if compact(stage) == key:
            return stage, "same name"
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if len(w) >= 4]
    for stage in open_names:
        stem = stage.lower()[:_STEM]
        if len(stem) >= 4 and any(w[:_STEM] == stem for w in words):
            return stage, "similar name"
    pairs = _cjk_pairs(name)
    for stage in open_names:
        if pairs & _cjk_pairs(stage):
            return stage, "similar name"
    return None


def _cjk_pairs(name: str) -> set[str]:
    """Two-character words of a Chinese name: ``谈判审核`` and ``商务谈判`` share ``谈判``.

    Chinese has no spaces to split words at and a stage's words are two
    characters (需求, 方案, 谈判), so a shared pair of adjacent characters is
    what a shared English stem is for the names above.
    """
    return {
        run[i : i + 2] for run in re.findall(r"[\u4e00-\u9fff]+", name) for i in range(len(run) - 1)
    }


def _extended(
    crm: Sequence[tuple[str, float | None]], config: PipelineConfig, fuzzy: dict[str, str]
) -> StageMap:
    """New stages for the CRM names the pipeline lacks, each after the stage it mapped to."""
    exact = {compact(s.name): s.name for s in config.stages}
    mapping: dict[str, str] = {}
    added: list[tuple[Stage, str]] = []
    taken = {s.name for s in config.stages}
    for name, probability in crm:
        key = compact(name)
        if key in exact:
            mapping[key] = exact[key]
            continue
        slug = stage_slug(name)
        while slug in taken:
            slug += "-crm"
        taken.add(slug)
        base = config.stage(fuzzy[key])
        chance = probability if probability is not None else base.probability
        added.append((Stage(slug, chance), base.name))
        mapping[key] = slug
    return StageMap(mapping, tuple(added), {n: "added" for n, _p in crm})


def insert_stages(stages: Sequence[Stage], added: Sequence[tuple[Stage, str]]) -> tuple[Stage, ...]:
    """``stages`` with each added stage after the one it follows (in the order given)."""
    result: list[Stage] = []
    for stage in stages:
        result.append(stage)
        result += [new for new, after in added if after == stage.name]
    return tuple(result)
