"""Benchmark: bout detection + interval matching on a three-hour 1 Hz run, next to
fitparse's parse of the same file, interleaved round by round in one process. Prints
both medians and the ratio.

    make bench            (or: .venv/bin/python bench/match_bench.py --rounds 7)

Target (issue 3): detection + matching under 2 % of the parse time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rules.matching import match  # noqa: E402
from rules.plan import plan_from_items, plan_from_recorded  # noqa: E402
from rules.workout import parse  # noqa: E402
from sync.adapters.fitfile import read_activity  # noqa: E402
from tests.support.fitbuilder import build_activity, three_hour_run  # noqa: E402


def parse_only(data: bytes) -> float:
    import fitparse

    start = time.perf_counter()
    for _ in fitparse.FitFile(data).get_messages():
        pass
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    structured = build_activity(three_hour_run(structured=True))
    freestyle = build_activity(three_hour_run(structured=False))
    cases = {}
    for name, data in (("laps", structured), ("signal", freestyle)):
        activity = read_activity(data)
        if name == "laps":
            plan = plan_from_recorded(activity.workout_steps)
        else:
            plan = plan_from_items(parse("walk 10m, 16x(run 5m, walk 5m), walk 10m"), "option")
        cases[name] = (data, activity, plan)
    match(*cases["laps"][1:])  # warm imports (pandas) outside the timing
    parse_s: list[float] = []
    match_s: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        parse_s.append(parse_only(structured))
        for name, (_, activity, plan) in cases.items():
            start = time.perf_counter()
            result = match(activity, plan)
            match_s[name].append(time.perf_counter() - start)
            assert all(r.status == "done" for r in result.intervals), name
    records = len(cases["laps"][1].columns)
    base = statistics.median(parse_s)
    print(f"3-hour run at 1 Hz: {len(structured)} bytes, {records} records, {args.rounds} rounds")
    print(f"{'fitparse parse (get_messages)':44} {base * 1000:9.1f} ms")
    for name, times in match_s.items():
        med = statistics.median(times)
        print(
            f"{'detect + match (' + name + ' path)':44} {med * 1000:9.1f} ms   "
            f"{100 * med / base:5.2f} % of the parse (target < 2 %)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
