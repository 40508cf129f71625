"""Benchmark: a backfill on every core. In one run, side by side, one process against N:
`runback ingest DIR` (--jobs 1 / --jobs N), `runback db rebuild` (--jobs 1 / --jobs N)
and the worker's inbox pass over the same files (`runback worker --once`, held to one
core with its CPU affinity / on N cores).

    make bench            (or: .venv/bin/python bench/parallel_bench.py --files 100 --jobs 2)

Target (issue 16): with 2 jobs on a 2-core machine, each >= 1.8x the throughput of one
process (0.9 x N for N jobs). Each figure is one whole command as she runs it, start-up
and migrations included, on a fresh home (the rebuild on a home whose database was
lost, so every activity is re-created). Machines here are shared virtual ones, where
one command has taken 18 s and 28 s an hour apart: each command runs `--rounds` times,
one process and N taking turns so that both see the same spells, and each throughput is
the best of its rounds (a neighbour only ever adds time), the slowest printed beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sync.adapters.decodepool import usable_cores  # noqa: E402
from tests.support.fitbuilder import T0, ActivitySpec, Segment, build_activity  # noqa: E402

RUNBACK = Path(sys.executable).with_name("runback")


def one_hour_run(i: int) -> bytes:
    """An hour at 1 Hz: walk 5m, 10 x (run 4m, walk 1m), walk 5m, one lap per step; each
    its own device serial and day, so every file is an activity of its own."""
    segments = [Segment("walk", 300, 0, "warmup")]
    for _ in range(10):
        segments += [Segment("run", 240, 1, "active"), Segment("walk", 60, 2, "recovery")]
    segments += [Segment("walk", 300, 4, "cooldown")]
    return build_activity(
        ActivitySpec(segments, laps_per_segment=True, serial=7000 + i, start=T0 + timedelta(days=i))
    )


def build(folder: Path, count: int, jobs: int) -> None:
    folder.mkdir(parents=True)
    with ProcessPoolExecutor(jobs) as pool:
        for i, data in enumerate(pool.map(one_hour_run, range(count), chunksize=4)):
            (folder / f"run{i:03d}.fit").write_bytes(data)


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBACK_")}
    env.update(RUNBACK_HOME=str(home), TZ="UTC")
    return env


def timed(args: list[str], home: Path, cores: set[int] | None = None) -> float:
    """Seconds for one runback command (exit 0 expected), on `cores` when given."""
    start = time.perf_counter()
    subprocess.run(
        [str(RUNBACK), *args], env=env_for(home), check=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
    )  # fmt: skip
    return time.perf_counter() - start


def ingest(folder: Path, home: Path, jobs: int) -> float:
    return timed(["--quiet", "ingest", "--jobs", str(jobs), str(folder)], home)


def rebuild(folder: Path, home: Path, jobs: int) -> float:
    """A home that holds the raw store of every file and no database (the ingest's home,
    its raw store copied): every activity is re-created."""
    shutil.copytree(folder.parent / "ingest-1" / "raw", home / "raw")
    return timed(["--quiet", "db", "rebuild", "--jobs", str(jobs)], home)


def worker_pass(folder: Path, home: Path, jobs: int) -> float:
    """`runback worker --once` with every file already waiting (and settled) in the inbox;
    one process: its CPU affinity holds it to one core, as on a one-core machine."""
    timed(["status"], home)  # the home and its inbox
    old = time.time() - 600
    for path in sorted(folder.iterdir()):
        target = home / "inbox" / path.name
        shutil.copyfile(path, target)
        os.utime(target, (old, old))
    cores = sorted(os.sched_getaffinity(0))
    return timed(["worker", "--once"], home, set(cores[:jobs]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=usable_cores(), help="default: every core")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    jobs = args.jobs
    target = 0.9 * jobs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "history"
        built = time.perf_counter()
        build(folder, args.files, usable_cores())
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(
            f"{args.files} one-hour activities at 1 Hz ({size_mb:.1f} MB, built in "
            f"{time.perf_counter() - built:.0f} s); {jobs} jobs on {usable_cores()} usable cores"
        )
        heading = f"{'1 process':>16}{f'{jobs} processes':>18}{'ratio':>9}"
        print(f"{'':24}{heading}   target >= {target:.1f}x")
        runs: list[tuple[str, str, Callable[[Path, Path, int], float]]] = [
            ("runback ingest", "ingest", ingest),
            ("runback db rebuild", "rebuild", rebuild),
            ("worker pass (inbox)", "worker", worker_pass),
        ]
        for label, name, run in runs:
            seconds: dict[int, list[float]] = {1: [], jobs: []}
            for r in range(args.rounds):
                for n in (1, jobs):  # taking turns: both see the same spells of the machine
                    home = (
                        folder.parent / f"{name}-{n}"
                        if r == 0
                        else folder.parent / f"{name}-{n}-{r}"
                    )
                    seconds[n].append(run(folder, home, n))
            rate = {n: args.files / min(s) for n, s in seconds.items()}
            ratio = rate[jobs] / rate[1]
            verdict = "PASS" if ratio >= target else "MISS"
            print(
                f"{label:24}{rate[1]:>8.2f} files/s{rate[jobs]:>10.2f} files/s{ratio:>8.2f}x   "
                f"{verdict}  (best {min(seconds[1]):.1f} s vs {min(seconds[jobs]):.1f} s; "
                f"slowest {max(seconds[1]):.1f} s vs {max(seconds[jobs]):.1f} s)"
            )
        print(f"  each: the best of {args.rounds} rounds, one process and {jobs} taking turns")
    if jobs < 2:
        print("one core: nothing to compare (the ratio is 1 by construction)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
