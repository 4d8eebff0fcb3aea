"""The pipeline as it stood at a past instant: files and config from history, not the work tree.

Which version of each file was current at ``when`` comes from the history
cache's events; the versions' parses come, fastest first, from the caller's
:class:`AsOfMemo` (one command asking for many dates), from the blob-keyed
parse cache in ``.git/`` (:mod:`pipeline_tui.history.versions_cache`), or
from reading and validating the blob.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.core.model import Opportunity, Pipeline, Problem
from pipeline_tui.git import log
from pipeline_tui.history import cache, versions_cache
from pipeline_tui.history.events import ConfigVersion, Event
from pipeline_tui.history.reader import is_opportunity
from pipeline_tui.i18n import _
from pipeline_tui.storage.filecheck import check_opportunity_text
from pipeline_tui.storage.store import Store
from pipeline_tui.yaml.read import decode, parse_fast

Parsed = tuple[Opportunity | None, list[Problem]]
#: (blob, path, config blob): a file version as validated against one config version.
VersionKey = tuple[str | None, str, str | None]


@dataclass
class AsOfMemo:
    """Parsed file versions kept between :func:`pipeline_as_of` calls of one job.

    Reports ask for many past dates (``forecast``'s month starts), and most
    files are the same version at each of them.  The caller keeps one for as
    long as the answers may be reused; beyond ``limit`` entries it starts over.
    """

    limit: int = 50_000
    parsed: dict[VersionKey, Parsed] = field(default_factory=dict)


def pipeline_as_of(root: Path, when: datetime, memo: AsOfMemo | None = None) -> Pipeline:
    """The pipeline as it stood at ``when``: files and config from history, not the work tree.

    ``memo`` carries parses over to the next call (a new one is used if None).
    """
    memo = memo if memo is not None else AsOfMemo()
    history = cache.fresh(root, None).history
    versions = [
        version
        for events in history.events.values()
        if (version := _version_at(events, when)) is not None and is_opportunity(version.path)
    ]
    config_blob = _config_at(history.config, when)
    if len(memo.parsed) > memo.limit:
        memo.parsed.clear()
    known = memo.parsed
    with log.BlobReader(root) as reader:
        config = _config_from(reader, config_blob, root)
        stored = versions_cache.BlobCache(root)  # parses of blobs kept across runs
        scope = versions_cache.config_key(config)
        for version in versions:
            key = (version.blob, version.path, config_blob)
            if key not in known and version.blob is not None:
                hit = stored.get(scope, version.blob, version.path)
                if hit is not None:
                    known[key] = hit
        wanted = [v for v in versions if (v.blob, v.path, config_blob) not in known]
        shas = [v.blob for v in wanted if v.blob is not None]
        contents = dict(zip(shas, reader.read(shas), strict=True))
    for version in wanted:
        parsed = _record_from(contents.get(version.blob or ""), version.path, config)
        known[(version.blob, version.path, config_blob)] = parsed
        if version.blob is not None:
            stored.put(scope, version.blob, version.path, parsed)
    stored.save()
    records: list[Opportunity] = []
    problems: list[Problem] = []
    for version in sorted(versions, key=lambda v: v.path):
        record, found = known[(version.blob, version.path, config_blob)]
        problems.extend(found)
        if record is not None:
            records.append(record)
    return Pipeline(config, tuple(records), tuple(problems))


def _version_at(events: Sequence[Event], when: datetime) -> Event | None:
    found = None
    for event in events:
        if event.at > when:
            break
        found = event
    return None if found is None or found.deleted else found


def _config_at(versions: Sequence[ConfigVersion], when: datetime) -> str | None:
    """The config of the latest version dated at or before ``when``, else the first one."""
    found = min(versions, key=lambda v: v.seq).blob if versions else None
    for version in versions:
        if version.at > when:
            break
        found = version.blob
    return found


def _config_from(reader: log.BlobReader, blob: str | None, root: Path) -> PipelineConfig:
    """The config a past moment used (today's, if history never had one)."""
    raw = reader.read([blob])[0] if blob is not None else None
    if raw is not None:
        data = parse_fast(raw.decode("utf-8", errors="replace"))
        if isinstance(data, Mapping) and data.get("stages"):
            return PipelineConfig.from_mapping(data)
    return Store(root).load_config()


def _record_from(raw: bytes | None, path: str, config: PipelineConfig) -> Parsed:
    if raw is None:
        return None, [Problem(path, _("missing from the git object store"))]
    text, problems = decode(raw, path)
    if text is None:
        return None, problems
    return check_opportunity_text(text, path, config)
