"""Property: any bytes in one deal file cost bounded time, raise nothing, and hide no other file."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_tui.core.config import PipelineConfig
from pipeline_tui.storage.store import Store
from pipeline_tui.sync.setup import init_pipeline
from tests.hostile_files import GOOD, alias_bomb, deep_nesting

#: Generous: a bad file is refused in milliseconds; a slow shared CI core is not a failure.
SECONDS_PER_FILE = 3.0
#: The process's peak resident size may never pass this (an alias bomb took 2.4 GB).
PEAK_KIB = 1024 * 1024

HEAD = "id: x\ntitle: T\naccount: A\nstage: lead\n"

ODD_AMOUNTS = [
    "1e309", "-1e309", ".inf", ".nan", "1e308", "0x" + "f" * 400, "!!int zz", "!!float x",
    "2026-13-45", "!!timestamp 99999-01-01", "!!binary ==", "!!python/object:os.system x",
    "&a [*a]", "*undefined", "{? [a]: 1}", "!!set {a}",
]  # fmt: skip

any_character = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=["Cs"])


def block_nesting(depth: int) -> str:
    return HEAD + "notes:\n" + "".join("  " * i + "- a\n" for i in range(depth))


adversarial_texts = st.one_of(
    st.builds(alias_bomb, st.integers(1, 12)),
    st.builds(deep_nesting, st.integers(1, 1000)),
    st.builds(block_nesting, st.integers(1, 400)),
    st.integers(1, 6000).map(lambda n: HEAD + f"amount: {'9' * n}\n"),
    st.sampled_from(ODD_AMOUNTS).map(lambda v: HEAD + f"amount: {v}\n"),
    st.text(any_character, max_size=200).map(lambda t: HEAD + "title: " + repr(t) + "\n"),
    st.text(alphabet="[]{}&*!|>-?:,#'\"\n \t\\abc01", max_size=400),
)

encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])

raw_bytes = st.one_of(
    st.binary(max_size=600),
    st.tuples(adversarial_texts, encodings).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")
    ),
)


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = init_pipeline(tmp_path_factory.mktemp("prop") / "deals", layout="flat")
    (root / "opportunities" / "good-one.yaml").write_text(GOOD, encoding="utf-8")
    return root


@settings(
    max_examples=60,
    deadline=None,  # bounded below, per file, with a generous limit
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=raw_bytes)
def test_one_hostile_file_costs_bounded_time_and_hides_nothing(
    pipeline_dir: Path, content: bytes
) -> None:
    bad = pipeline_dir / "opportunities" / "x.yaml"
    bad.write_bytes(content)
    store = Store(pipeline_dir)
    config: PipelineConfig = store.load_config()
    started = time.monotonic()
    record, problems = store.load_file(bad, config)
    pipeline = Store(pipeline_dir).load(config)
    assert time.monotonic() - started < SECONDS_PER_FILE
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < PEAK_KIB
    assert record is not None or problems  # refused files always say why
    assert "good-one" in {r.id for r in pipeline.opportunities}
    for problem in pipeline.problems:
        assert problem.path.startswith("opportunities/")
