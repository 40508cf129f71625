"""Benchmark: the commands she types, as whole processes, next to their floor.

    make bench            (or: .venv/bin/python bench/cli_bench.py --rounds 15)

The floor is the least any call that opens the database can cost: start Python, import
SQLAlchemy, connect to SQLite. Each command and the floor run in turn, round by round, on
a home with a profile, a passed readiness test, a season of runs and symptom entries;
the medians are compared. Target (issue 16): `status`, `plan`, `symptoms log` (valid
and refused input) and `profile show` at most 1.3x the floor. `--help` and an argument
error, which never open the database, are shown too.
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

FLOOR = "import sqlalchemy; sqlalchemy.create_engine('sqlite://').connect().close()"
TARGET = 1.3
RUNS = 40

COMMANDS: dict[str, list[str]] = {
    "status": ["status"],
    "plan": ["plan"],
    "symptoms log": ["symptoms", "log", "--date", "2026-12-01", "--leak", "none", "--rpe", "4"],
    "symptoms log (refused)": ["symptoms", "log", "--date", "2026-12-01", "--leak", "none",
                               "--pain", "11"],
    "profile show": ["profile", "show"],
}  # fmt: skip
NO_DATABASE: dict[str, list[str]] = {
    "--help": ["--help"],
    "bad argument": ["symptoms", "log", "--leak", "sometimes"],
}


def run_walk(i: int) -> bytes:
    """About 45 minutes: walk 5m, 6 x (run 2m, walk 3m), walk 10m, a lap per step."""
    segments = [Segment("walk", 300, 0, "warmup")]
    for _ in range(6):
        segments += [Segment("run", 120, 1, "active"), Segment("walk", 180, 2, "recovery")]
    segments += [Segment("walk", 600, 4, "cooldown")]
    start = T0.replace(year=2026, month=9, day=3) + timedelta(days=2 * i)
    return build_activity(
        ActivitySpec(segments, laps_per_segment=True, serial=7000 + i, start=start)
    )


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def prepare(runback: Path, env: dict[str, str], folder: Path) -> None:
    folder.mkdir()
    for i in range(RUNS):
        (folder / f"run{i:03}.fit").write_bytes(run_walk(i))
    setup = [
        ["profile", "set", "--birth-date", "2026-06-01", "--delivery", "vaginal",
         "--cleared-on", "2026-09-01"],
        ["readiness", "log", "--date", "2026-09-02", "--passed", "all"],
        ["--quiet", "ingest", str(folder)],
    ]  # fmt: skip
    for i in range(0, RUNS, 2):
        day = (T0.replace(year=2026, month=9, day=3) + timedelta(days=2 * i)).date()
        setup.append(["symptoms", "log", "--date", day.isoformat(), "--leak", "none"])
    for args in setup:
        subprocess.run([str(runback), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    runback = Path(sys.executable).with_name("runback")
    # Bytecode for runback as an installed wheel has it (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module on every call; SQLAlchemy, in the
    # floor, is compiled already).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "rules", "sync"], cwd=REPO, check=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBACK_")}
        env.update(RUNBACK_HOME=str(Path(tmp) / "home"), RUNBACK_TODAY="2026-12-03",
                   RUNBACK_TIMEZONE="UTC")  # fmt: skip
        prepare(runback, env, Path(tmp) / "runs")
        calls = {"floor": [sys.executable, "-c", FLOOR]}
        calls |= {name: [str(runback), *a] for name, a in (COMMANDS | NO_DATABASE).items()}
        times: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.rounds):
            for name, cmd in calls.items():
                times[name].append(timed(cmd, env))
    floor = statistics.median(times["floor"])
    print(f"CLI calls: median of {args.rounds} rounds, {RUNS} runs stored ({os.cpu_count()} cores)")
    print(f"  {'floor (python + sqlalchemy + connect)':40} {floor * 1000:7.0f} ms")
    missed = []
    for name in (*COMMANDS, *NO_DATABASE):
        median = statistics.median(times[name])
        ratio = median / floor
        verdict = ""
        if name in COMMANDS:
            verdict = "PASS" if ratio <= TARGET else "MISS"
            if verdict == "MISS":
                missed.append(name)
        print(f"  {'runback ' + name:40} {median * 1000:7.0f} ms  {ratio:4.2f}x floor  {verdict}")
    print(f"  target: database commands <= {TARGET}x the floor: {'MISS' if missed else 'PASS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
