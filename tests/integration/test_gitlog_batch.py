"""``BlobReader.read`` with thousands of blobs (what ``report --as-of`` asks on a big repo)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from pipeline_tui.git.log import BlobReader


def test_reading_thousands_of_blobs_does_not_deadlock(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    texts = [f"id: deal-{n:05d}\ntitle: {'x' * 80}\n" for n in range(3000)]
    files = []
    for index, text in enumerate(texts):
        path = tmp_path / f"f{index}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    hashed = subprocess.run(
        ["git", "hash-object", "-w", "--stdin-paths"],
        cwd=tmp_path,
        input="\n".join(files) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # 3000 requests (123 KB) and 3000 answers (over 300 KB): more than a pipe holds either way
    reader = BlobReader(tmp_path)
    contents: list[bytes | None] = []
    worker = threading.Thread(target=lambda: contents.extend(reader.read([*hashed, "0" * 40])))
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # deadlocked: unblock the thread by killing git, then fail
        reader._proc.kill()
        worker.join()
        raise AssertionError("BlobReader.read deadlocked on 3000 blobs")
    reader.close()
    assert [c.decode() if c else None for c in contents] == [*texts, None]
