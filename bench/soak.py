"""Soak: thousands of seeded mutants of the real FIT fixtures through `runback ingest` and
`runback worker --once` (the same checks as tests/e2e/test_fuzz.py, at scale). Prints
what became of them: cases tried, stored, refused, quarantined, lost (must be 0), and the
commonest refusal reasons. Exit 1 when anything went wrong (listed).

    make soak             (or: .venv/bin/python bench/soak.py --cases 2000 --seed 1)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fitfuzz import (  # noqa: E402
    Tally,
    fixture_sources,
    mutants,
    through_ingest,
    through_worker,
)

SHARED = Path(os.environ.get("RUNBACK_SHARED", REPO.parent / "shared")) / "fixtures" / "fit"


def runback_command() -> list[str]:
    script = Path(sys.executable).with_name("runback")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sync.entrypoints.cli"]


def add(total: Tally, part: Tally) -> None:
    total.tried += part.tried
    total.stored += part.stored
    total.refused += part.refused
    total.quarantined += part.quarantined
    total.lost += part.lost
    total.reasons.update(part.reasons)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=250, help="mutants per process")
    parser.add_argument("--with-big", action="store_true", help="also the 1-2.4 MB files")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"soak: skipped, {SHARED} is absent")
        return 0
    names = sorted(
        p.name for p in SHARED.glob("*.fit") if args.with_big or not p.name.startswith("big_")
    )
    sources = fixture_sources(SHARED, names)
    print(f"soak: {args.cases} mutants of {len(sources)} fixtures, seed {args.seed}")
    batch_all = list(mutants(sources, args.cases, args.seed))
    command = runback_command()
    ingest, worker = Tally(), Tally()
    problems: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="runback-soak-") as scratch:
        for first in range(0, len(batch_all), args.batch):
            batch = batch_all[first : first + args.batch]
            base = Path(scratch) / f"b{first}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBACK_")}
            env.update(RUNBACK_HOME=str(base / "home-ingest"), TZ="UTC")
            tally, found = through_ingest(command, env, base / "mutants", batch)
            add(ingest, tally)
            problems += found
            env["RUNBACK_HOME"] = str(base / "home-worker")
            tally, found = through_worker(command, env, base / "home-worker", batch)
            add(worker, tally)
            problems += found
            print(
                f"  {first + len(batch)}/{len(batch_all)} "
                f"({time.monotonic() - started:.0f} s, {len(problems)} problems)",
                flush=True,
            )
    print(ingest.line("ingest       "))
    print(worker.line("worker --once"))
    print("commonest refusal reasons (digits as #):")
    for reason, count in worker.reasons.most_common(12):
        print(f"  {count:6}  {reason}")
    for problem in problems[:50]:
        print(f"PROBLEM {problem}")
    return 1 if problems or ingest.lost or worker.lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
