"""Two teammates offline create different deals that happen to get one id: reported, never fused.

Ids carry 11 random characters, so this needs bad luck or ``--id``; when it
happens the merge driver refuses the add/add merge and ``pipeline sync``
stops with a message naming the file, leaving both deals as they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.core.errors import SyncError
from tests.teammates import founder, join, make_remote, no_markers


def test_two_new_deals_with_one_id_are_reported(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    alice = founder(tmp_path, str(remote))
    bob = join(tmp_path, str(remote), "Bob")
    alice.ws.create("华为云迁移项目", "华为技术", opp_id="hua-wei-yun-abc")
    bob.ws.create("华为云桌面", "华为终端", opp_id="hua-wei-yun-abc")
    alice.sync()
    with pytest.raises(SyncError, match="same id") as raised:
        bob.sync()
    assert raised.value.reason == "conflict"
    assert bob.field("title", "hua-wei-yun-abc") == "华为云桌面"  # bob's deal untouched
    assert alice.field("title", "hua-wei-yun-abc") == "华为云迁移项目"
    no_markers(alice, bob)
