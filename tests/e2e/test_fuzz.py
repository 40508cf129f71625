"""Seeded mutants of the real FIT fixtures through `runback ingest` and `runback worker
--once`: no traceback, one line per file, every refused file quarantined with a reason in
words, the worker alive, nothing lost.

A bounded count runs in CI; `make soak` runs thousands (RUNBACK_FUZZ_CASES and
RUNBACK_FUZZ_SEED choose them here too).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import runback_command
from tests.support.fitfuzz import (
    CI_SOURCES,
    Mutant,
    fixture_sources,
    mutants,
    through_ingest,
    through_worker,
)

CASES = int(os.environ.get("RUNBACK_FUZZ_CASES", "60"))
SEED = int(os.environ.get("RUNBACK_FUZZ_SEED", "13"))


@pytest.fixture(scope="module")
def batch(shared_fit: Path) -> list[Mutant]:
    sources = fixture_sources(shared_fit, CI_SOURCES)
    assert sources, f"none of {CI_SOURCES} in {shared_fit}"
    return list(mutants(sources, CASES, SEED))


def test_mutants_through_ingest_are_one_line_each_and_never_a_traceback(
    batch: list[Mutant], cli_env: dict[str, str], tmp_path: Path
) -> None:
    tally, problems = through_ingest(runback_command(), cli_env, tmp_path / "mutants", batch)
    print(tally.line(f"ingest (seed {SEED})"))
    assert problems == []
    assert tally.stored + tally.refused == tally.tried
    assert tally.lost == 0
    assert tally.refused > 0


def test_mutants_through_the_worker_are_archived_or_quarantined_and_none_is_lost(
    batch: list[Mutant], cli_env: dict[str, str]
) -> None:
    tally, problems = through_worker(
        runback_command(), cli_env, Path(cli_env["RUNBACK_HOME"]), batch
    )
    print(tally.line(f"worker --once (seed {SEED})"))
    assert problems == []
    assert tally.stored + tally.refused == tally.tried
    assert tally.quarantined == tally.refused
    assert tally.lost == 0
