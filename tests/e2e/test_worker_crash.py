"""The worker under stress, as real processes: kill -9 in the middle of a batch and
restart (every file stored once, every decision pushed once), and two workers on one
PostgreSQL sharing an inbox (every file taken by exactly one)."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner, runback_command, start_worker
from tests.support.fitbuilder import T0, simple_run


def drop(folder: Path, inbox: Path) -> None:
    """Move the prepared files into the inbox (a rename: watchdog's moved event)."""
    for path in sorted(folder.iterdir()):
        os.replace(path, inbox / path.name)


def prepare(folder: Path, count: int, minutes: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        data = simple_run(minutes, serial=70_000 + i, start=T0 + timedelta(days=i, minutes=i))
        (folder / f"run-{i:03d}.fit").write_bytes(data)


def wait_until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_kill_9_at_random_points_loses_nothing_and_repeats_nothing(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    env = dict(cli_env, RUNBACK_TODAY="2026-12-01")
    assert runback("profile", "set", "--birth-date", "2026-06-01", "--cleared-on",
                   "2026-10-01", env=env).returncode == 0  # fmt: skip
    assert runback("readiness", "log", "--date", "2026-10-01", "--passed", "all",
                   env=env).returncode == 0  # fmt: skip
    prepare(tmp_path / "batch", 20)
    drop(tmp_path / "batch", home / "inbox")
    rng = random.Random(11)
    for _ in range(4):
        proc = start_worker(env)
        time.sleep(rng.uniform(0.3, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.communicate()
    done = runback("worker", "--once", env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    archive = sorted(p.name for p in (home / "archive").iterdir())
    assert archive == [f"run-{i:03d}.fit" for i in range(20)]
    assert list((home / "inbox").iterdir()) == []
    stored = json.loads(runback("activities", "--json", env=env).stdout)
    assert len(stored) == 20
    log = (home / "logs" / "runback.log").read_text()
    assert len(re.findall(r"event=ingested ", log)) == 20
    assert _each_decision_pushed_once(home, kills=4)
    assert (home / "outbox" / "runback-2026-12-01.fit").exists()


def _each_decision_pushed_once(home: Path, kills: int) -> bool:
    """One push row per decision and target, the latest decision's done, and one `pushed`
    log line per push (a kill -9 between the commit and the log line may drop a line, one
    per kill at most, never add one)."""
    import sqlite3

    with sqlite3.connect(home / "runback.db") as db:
        rows = db.execute("SELECT decision_id, target, count(*) FROM push GROUP BY 1, 2").fetchall()
        done = db.execute("SELECT count(*) FROM push WHERE state = 'done'").fetchone()[0]
        latest = db.execute("SELECT max(id) FROM decision").fetchone()[0]
        latest_done = db.execute(
            "SELECT count(*) FROM push WHERE decision_id = ? AND state = 'done'", (latest,)
        ).fetchone()[0]
    log = (home / "logs" / "runback.log").read_text()
    return (
        all(n == 1 for _, _, n in rows)
        and latest_done == 1
        and done >= 1
        and done - kills <= log.count(" info event=pushed ") <= done
    )


def test_sigterm_finishes_the_file_in_hand_and_exits_0(
    cli_env: dict[str, str], tmp_path: Path, runback: Runner
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    prepare(tmp_path / "batch", 6, minutes=30)
    runback("status")
    proc = start_worker(cli_env)
    drop(tmp_path / "batch", home / "inbox")
    assert wait_until(lambda: any((home / "archive").iterdir()), 60)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "event=worker-stopped" in err
    left = len(list((home / "inbox").iterdir()))
    taken = len(list((home / "archive").iterdir()))
    assert left + taken == 6
    stored = json.loads(runback("activities", "--json").stdout)
    assert len(stored) == taken  # nothing half-done: every stored run was also moved


@pytest.mark.postgres
def test_two_workers_on_postgresql_take_each_of_200_files_exactly_once(
    cli_env: dict[str, str], tmp_path: Path, pg_url: str, runback: Runner
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    env = dict(cli_env, RUNBACK_DATABASE_URL=pg_url)
    assert runback("status", env=env).returncode == 0
    prepare(tmp_path / "batch", 200, minutes=1)
    workers = [
        subprocess.Popen(
            [*runback_command(), "worker"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]  # fmt: skip
    try:
        time.sleep(3)
        drop(tmp_path / "batch", home / "inbox")
        assert wait_until(lambda: len(list((home / "archive").iterdir())) == 200, 600)
    finally:
        outputs = []
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
            outputs.append(proc.communicate(timeout=120))
    assert [p.returncode for p in workers] == [0, 0], outputs
    archive = sorted(p.name for p in (home / "archive").iterdir())
    assert archive == [f"run-{i:03d}.fit" for i in range(200)]
    stored = json.loads(runback("activities", "--json", env=env).stdout)
    assert len(stored) == 200
    ingested = [len(re.findall(r"event=ingested ", err)) for _, err in outputs]
    assert sum(ingested) == 200
    assert all(n > 0 for n in ingested), f"both workers took files: {ingested}"
