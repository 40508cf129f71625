"""Benchmark: the worker as she runs it (SQLite, no Garmin).

1. Idle: the worker's resident memory and CPU over --idle-s seconds (default 60).
2. Latency: a run moved into the inbox -> the next workout file written in outbox/,
   median of --files (default 20), next to fitparse's parse of the same file.

    make bench            (or: .venv/bin/python bench/worker_bench.py --idle-s 60 --files 20)

Targets (issues 7 and 16): latency under parse time + 0.5 s; idle RSS under 120 MB (issue 7
asked for 150 MB); idle CPU under 0.5 %. Printed side by side from one run.
"""

from __future__ import annotations

import argparse
import os
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

TICKS = os.sysconf("SC_CLK_TCK")


def runback(env: dict[str, str], *args: str) -> None:
    exe = Path(sys.executable).with_name("runback")
    subprocess.run([str(exe), *args], env=env, check=True, capture_output=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def session(i: int) -> bytes:
    """The first run/walk level (35 minutes at 1 Hz), one run per day."""
    segments = [Segment("walk", 300)]
    for _ in range(5):
        segments += [Segment("run", 30), Segment("walk", 270)]
    segments.append(Segment("walk", 300))
    spec = ActivitySpec(segments, serial=90_000 + i, start=T0 + timedelta(days=i))
    return build_activity(spec)


def outbox_state(outbox: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in outbox.glob("*.fit")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle-s", type=float, default=60.0)
    parser.add_argument("--files", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBACK_")}
        env.update(RUNBACK_HOME=str(home), RUNBACK_TODAY="2027-01-15", TZ="UTC")
        runback(env, "profile", "set", "--birth-date", "2026-06-01", "--cleared-on", "2026-10-01")
        runback(env, "readiness", "log", "--date", "2026-10-01", "--passed", "all")
        exe = Path(sys.executable).with_name("runback")
        log = open(Path(tmp) / "worker.err", "w")  # noqa: SIM115
        worker = subprocess.Popen([str(exe), "worker"], env=env, stdout=log, stderr=log)
        try:
            lock = home / "worker.lock"
            while not (lock.exists() and lock.read_text().strip()):
                time.sleep(0.1)
            time.sleep(3)  # start-up done, first passes run
            start_cpu, start = cpu_s(worker.pid), time.monotonic()
            peak = rss_mb(worker.pid)
            while time.monotonic() - start < args.idle_s:
                time.sleep(1)
                peak = max(peak, rss_mb(worker.pid))
            idle_cpu = 100 * (cpu_s(worker.pid) - start_cpu) / (time.monotonic() - start)
            idle_rss = rss_mb(worker.pid)

            staging = Path(tmp) / "staging"
            staging.mkdir()
            latencies, parses = [], []
            import fitparse

            for i in range(args.files):
                data = session(i)
                t = time.perf_counter()
                for _ in fitparse.FitFile(data).get_messages():
                    pass
                parses.append(time.perf_counter() - t)
                path = staging / f"run-{i:02d}.fit"
                path.write_bytes(data)
                before = outbox_state(home / "outbox")
                t = time.perf_counter()
                os.replace(path, home / "inbox" / path.name)
                while outbox_state(home / "outbox") == before:
                    time.sleep(0.002)
                    if time.perf_counter() - t > 30:
                        raise SystemExit(f"no workout written for {path.name} in 30 s")
                latencies.append(time.perf_counter() - t)
            busy_rss = rss_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
    parse = statistics.median(parses)
    latency = statistics.median(latencies)
    print(f"idle worker over {args.idle_s:.0f} s (SQLite, no Garmin):")
    print(f"  RSS {idle_rss:7.1f} MB (peak {peak:.1f} MB)      target < 120 MB")
    print(f"  CPU {idle_cpu:7.2f} %                     target < 0.5 %")
    print(f"run moved into the inbox -> workout in outbox/, median of {args.files}:")
    print(f"  fitparse parse of the file   {parse * 1000:7.1f} ms")
    print(f"  inbox -> outbox latency      {latency * 1000:7.1f} ms   "
          f"target < parse + 500 ms = {(parse + 0.5) * 1000:.0f} ms")  # fmt: skip
    print(f"  RSS after {args.files} runs       {busy_rss:7.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
