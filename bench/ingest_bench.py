"""Benchmark: `runback ingest DIR` as a whole process next to a process that only parses
the same files with fitparse, alternating, in the same run. Prints both and the ratio.

    make bench            (or: .venv/bin/python bench/ingest_bench.py --files 30 --rounds 5)

Target (issue 2): ingest <= 1.15x the parse, one process against one process (`--jobs 1`;
bench/parallel_bench.py measures what more cores give). Machines here are shared and
noisy, so the two are interleaved round by round and compared by their medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fitbuilder import T0, ActivitySpec, Segment, build_activity  # noqa: E402

PARSE_ONLY = """
import sys
from pathlib import Path
import fitparse
for path in sorted(Path(sys.argv[1]).glob("*.fit")):
    for _ in fitparse.FitFile(str(path)).get_messages():
        pass
"""


def one_hour_run(i: int) -> bytes:
    """An hour at 1 Hz: walk 5m, 10 x (run 4m, walk 1m), walk 5m, one lap per step."""
    segments = [Segment("walk", 300, 0, "warmup")]
    for _ in range(10):
        segments += [Segment("run", 240, 1, "active"), Segment("walk", 60, 2, "recovery")]
    segments += [Segment("walk", 300, 4, "cooldown")]
    return build_activity(
        ActivitySpec(segments, laps_per_segment=True, serial=5000 + i, start=T0 + timedelta(days=i))
    )


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    runback = Path(sys.executable).with_name("runback")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "runs"
        folder.mkdir()
        for i in range(args.files):
            (folder / f"run{i:03d}.fit").write_bytes(one_hour_run(i))
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(
            f"{args.files} one-hour activities at 1 Hz ({size_mb:.1f} MB), "
            f"{args.rounds} alternating rounds"
        )
        parse_s: list[float] = []
        ingest_s: list[float] = []
        for r in range(args.rounds):
            parse_s.append(timed([sys.executable, "-c", PARSE_ONLY, str(folder)]))
            home = Path(tmp) / f"home{r}"  # a fresh home: start-up and migrations included
            ingest_s.append(
                timed(
                    [
                        str(runback),
                        "--home",
                        str(home),
                        "--quiet",
                        "ingest",
                        "--jobs",
                        "1",
                        str(folder),
                    ]
                )
            )
            print(
                f"  round {r + 1}: parse only {parse_s[-1]:6.2f} s   "
                f"runback ingest {ingest_s[-1]:6.2f} s"
            )
    p, i = statistics.median(parse_s), statistics.median(ingest_s)
    print(
        f"median: parse only {p:.2f} s, runback ingest {i:.2f} s, "
        f"ratio {i / p:.3f}x (target <= 1.15x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
