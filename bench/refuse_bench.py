"""Benchmark: how long a big file that is not a run takes to be refused, from its
message headers (runback now) and by decoding every record first (runback before issue
13), interleaved round by round in one process. Also the header scan's cost on a long
run, which it does not refuse. Uses ../shared/fixtures/fit (skips when absent).

    make bench            (or: .venv/bin/python bench/refuse_bench.py --rounds 3)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sync.adapters.fitfile import _Reader, read_activity  # noqa: E402
from sync.adapters.fitscan import scan  # noqa: E402
from sync.errors import FitFileError  # noqa: E402

SHARED = Path(os.environ.get("RUNBACK_SHARED", REPO.parent / "shared")) / "fixtures" / "fit"
BIG = ["big_bike_bryton_8h.fit", "big_triathlon_fr935_9h.fit", "big_multisport_fenix2.fit"]
LONG_RUN = "run_fr910xt_5h40_no-cadence.fit"


def refused_after_decoding(data: bytes) -> float:
    start = time.perf_counter()
    reader = _Reader()
    reader.consume(data)
    with contextlib.suppress(FitFileError):
        reader.activity()
    return time.perf_counter() - start


def refused_from_headers(data: bytes) -> float:
    start = time.perf_counter()
    with contextlib.suppress(FitFileError):
        read_activity(data)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"refuse_bench: skipped, {SHARED} is absent")
        return 0
    print(f"{'file':34} {'MB':>5} {'decode all, s':>14} {'headers, s':>11} {'faster':>7}")
    for name in BIG:
        data = (SHARED / name).read_bytes()
        before: list[float] = []
        after: list[float] = []
        for _ in range(args.rounds):
            before.append(refused_after_decoding(data))
            after.append(refused_from_headers(data))
        b, a = statistics.median(before), statistics.median(after)
        print(f"{name:34} {len(data) / 1e6:5.2f} {b:14.2f} {a:11.3f} {b / a:6.0f}x")
    data = (SHARED / LONG_RUN).read_bytes()
    scans = []
    for _ in range(max(args.rounds, 5)):
        start = time.perf_counter()
        scan(data)
        scans.append(time.perf_counter() - start)
    decode = refused_after_decoding(data)
    print(
        f"header scan of a run it lets through ({LONG_RUN}, 20k records): "
        f"{statistics.median(scans) * 1000:.1f} ms, {statistics.median(scans) / decode:.1%} "
        f"of decoding it ({decode:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
