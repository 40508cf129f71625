"""Benchmark: deciding again (`sync.planning.refresh`) as her history grows.

    make bench            (or: .venv/bin/python bench/refresh_bench.py --sizes 1 100 1000)

Every run, symptom entry, profile change and `runback plan` decides again, so its cost
must not grow with the season. A home is filled with N stored runs (each matched against
its workout), N symptom entries and 2N decisions, a run a day after the birth and
clearance. refresh() is timed when nothing changed (what `runback plan` mostly finds)
and when it stores a new decision (the first call after the history was filled), in a
process whose start-up is frozen out of the collector's sight, as runback's own are.
Target (issue 16): under 50 ms at N = 1,000, shown next to N = 1 from the same run.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fitbuilder import run_walk  # noqa: E402

TARGET_MS = 50.0
BORN = date(2020, 1, 6)
CLEARED = BORN + timedelta(weeks=13)
SPEC = "walk 5m, 5x(run 1m, walk 4m), walk 5m"


def filled(home: Path, n: int, today: date) -> object:
    from rules.symptoms import SymptomEntry
    from sync.analysis import analyze_activity, choose_plan
    from sync.bootstrap import bootstrap
    from sync.fitfile import read_activity
    from sync.journal import entry_key, log_readiness, set_profile
    from sync.settings import load_settings

    app = bootstrap(load_settings(home=home, timezone="UTC", today=today))
    set_profile(app, birth_date=BORN, delivery="vaginal", cleared_on=CLEARED)
    log_readiness(app, CLEARED, "all", None, None)
    act = read_activity(run_walk(5, 60, 240))
    session = analyze_activity(act, choose_plan(act, None).plan, app.settings)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = datetime.combine(CLEARED + timedelta(days=2), datetime.min.time(), UTC)
    with app.uow() as uow:  # one transaction: filling is not what is measured
        for i in range(n):
            start = first + timedelta(days=i, hours=7)
            run = replace(act, start=start, time_created=start, device_serial=1000 + i)
            new_id = uow.repo.add_activity(
                run, sha256=f"{i:064x}", source="file", file_name=f"run{i}.fit", at=now
            )
            uow.repo.save_session(new_id, run.pauses, session, now)
            entry = SymptomEntry(
                on=start.date(), leak="drops" if i % 7 == 3 else "none", rpe=4 + i % 3,
                activity_id=new_id,
            )  # fmt: skip
            uow.repo.add_entry(entry, source="cli", key=entry_key(entry), at=now)
            for made in (
                start.date(),
                start.date() + timedelta(days=1),
            ):  # after the run, the entry
                body = {
                    "date": (start.date() + timedelta(days=2)).isoformat(), "phase": "run-walk",
                    "level": 5, "workout": {"spec": SPEC}, "reasons": ["..."], "flags": [],
                }  # fmt: skip
                uow.repo.add_decision(
                    made_at=now, made_for=made, body=body, inputs={}, digest=f"{i}{made}"
                )
        uow.commit()
    return app


def timed_refresh(app: object) -> float:
    from sync.planning import refresh

    start = time.perf_counter()
    refresh(app)  # type: ignore[arg-type]
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from sync import logs

    rows = []
    for n in args.sizes:
        today = CLEARED + timedelta(days=n + 3)
        with tempfile.TemporaryDirectory() as tmp:
            app = filled(Path(tmp) / "home", n, today)
            # As in runback's own processes (sync.cli.entry): what start-up built is
            # frozen out of the collector's sight, so a full collection does not
            # traverse SQLAlchemy and every module again in the middle of a decision.
            gc.freeze()
            stored = timed_refresh(app)  # the first: the inputs changed, a decision is stored
            same = statistics.median(timed_refresh(app) for _ in range(args.rounds))
            app.close()  # type: ignore[attr-defined]
            logs.close()
            gc.unfreeze()
        rows.append((n, stored, same))
    base = rows[0][2]
    print(f"refresh() with N runs, N symptom entries, 2N decisions (median of {args.rounds})")
    for n, stored, same in rows:
        print(
            f"  N = {n:>5}: {same:6.1f} ms nothing changed ({same / base:4.1f}x N = "
            f"{rows[0][0]}), {stored:6.1f} ms storing a new decision"
        )
    largest = rows[-1]
    verdict = "PASS" if largest[2] < TARGET_MS and largest[1] < TARGET_MS else "MISS"
    print(f"  target: < {TARGET_MS:.0f} ms at N = {largest[0]} (both): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
