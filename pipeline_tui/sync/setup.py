"""Setting up a pipeline: ``pipeline init`` writes the config and registers the merge driver.

Lives with sync because a new pipeline is set up for teammates from the first
commit: ``.gitattributes`` routes deal files through the field-wise merge.
"""

from __future__ import annotations

from pathlib import Path

from pipeline_tui.core.config import default_config_text
from pipeline_tui.core.errors import BadRequest
from pipeline_tui.git.commits import commit_paths, write_lock
from pipeline_tui.git.repo import GitRepo
from pipeline_tui.i18n import _
from pipeline_tui.storage.layout import Layout
from pipeline_tui.storage.store import Store
from pipeline_tui.sync import merge_driver


def init_pipeline(
    directory: Path,
    author_name: str | None = None,
    layout: Layout = "sharded",
    template: str = "en",
) -> Path:
    """Create a pipeline in ``directory`` (``git init`` if needed) and commit its config.

    ``layout`` is where deal files go (:mod:`pipeline_tui.storage.layout`);
    ``flat`` only for tools that expect ``opportunities/<id>.yaml``.
    ``template`` is the starter ``pipeline.yaml`` (``en`` or ``zh_CN``, see
    :data:`~pipeline_tui.core.config.CONFIG_TEMPLATES`).
    """
    repo = GitRepo.init(directory)
    store = Store(directory.resolve())
    if store.config_path.exists():
        raise BadRequest(
            _("{config_path} already exists: this is already a pipeline").format(
                config_path=store.config_path
            )
        )
    author = repo.identity(author_name)
    repo.check_ready()
    with write_lock(repo):
        store.write_config_text(default_config_text(layout, template))
        store.opportunities_dir.mkdir(exist_ok=True)
        attributes = merge_driver.add_attributes(store.root, repo)  # teammates merge field-wise
        merge_driver.register(repo)
        paths = [store.config_path, *([attributes] if attributes else [])]
        commit_paths(repo, paths, "pipeline: initialize", author)
    return store.root
