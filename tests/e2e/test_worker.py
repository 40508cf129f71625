"""The worker as a real process: files in, archive / quarantine out, log lines, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner, start_worker
from tests.support.fitbuilder import T0, run_walk, simple_run, workout_file


def settle(path: Path) -> None:
    """Make a file look written long ago (the inbox waits for quiet files)."""
    old = time.time() - 60
    os.utime(path, (old, old))


def test_worker_once_archives_good_files_and_quarantines_bad_ones(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    runback("status")  # creates the home
    inbox = home / "inbox"
    files = {
        "run.fit": run_walk(),
        "same-run.fit": run_walk(),
        "plan.fit": workout_file(),
        "cut.fit": simple_run(2)[:700],
        "empty.fit": b"",
    }
    for name, data in files.items():
        (inbox / name).write_bytes(data)
        settle(inbox / name)
    done = runback("worker", "--once")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (home / "archive").iterdir()) == ["run.fit", "same-run.fit"]
    quarantined = sorted(p.name for p in (home / "quarantine").iterdir())
    assert quarantined == [
        "cut.fit",
        "cut.fit.reason.txt",
        "empty.fit",
        "empty.fit.reason.txt",
        "plan.fit",
        "plan.fit.reason.txt",
    ]
    assert (
        home / "quarantine" / "plan.fit.reason.txt"
    ).read_text().strip() == "a workout file, not an activity"
    assert (home / "quarantine" / "cut.fit").read_bytes() == files["cut.fit"]  # nothing lost
    assert list(inbox.iterdir()) == []
    assert len(json.loads(runback("activities", "--json").stdout)) == 1
    assert "event=quarantined file=plan.fit" in done.stderr


def test_the_worker_quarantines_every_invalid_fixture(
    runback: Runner, cli_env: dict[str, str], shared_fit: Path
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    runback("status")
    names = sorted(p.name for p in (shared_fit / "invalid").iterdir())
    for name in names:
        (home / "inbox" / name).write_bytes((shared_fit / "invalid" / name).read_bytes())
        settle(home / "inbox" / name)
    assert runback("worker", "--once").returncode == 0
    for name in names:
        assert (home / "quarantine" / name).exists()
        assert (home / "quarantine" / f"{name}.reason.txt").read_text().strip()
    assert json.loads(runback("activities", "--json").stdout) == []


def test_a_file_still_being_copied_waits_for_a_later_pass(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    runback("status")
    data = run_walk()
    target = home / "inbox" / "slow.fit"
    stop = threading.Event()

    def slow_copy() -> None:
        with target.open("wb") as fh:
            for i in range(0, len(data), 4096):
                if stop.is_set():
                    break
                fh.write(data[i : i + 4096])
                fh.flush()
                time.sleep(0.25)

    writer = threading.Thread(target=slow_copy)
    writer.start()
    time.sleep(0.3)
    try:
        assert runback("worker", "--once").returncode == 0
        assert target.exists(), "a half-written file must stay in the inbox"
        assert not any((home / "quarantine").iterdir())
    finally:
        writer.join()
    settle(target)
    assert runback("worker", "--once").returncode == 0
    assert (home / "archive" / "slow.fit").read_bytes() == data


def test_a_dropped_file_shows_up_within_ten_seconds_and_sigterm_exits_0(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    env = dict(cli_env, RUNBACK_INBOX_SCAN_S="0.5")
    proc = start_worker(env)
    try:
        dropped = time.monotonic()
        (home / "inbox" / "tuesday.fit").write_bytes(run_walk())
        seen = []
        while time.monotonic() - dropped < 10:
            seen = json.loads(runback("activities", "--json").stdout)
            if seen:
                break
            time.sleep(0.3)
        assert [a["file"] for a in seen] == ["tuesday.fit"]
        assert seen[0]["source"] == "inbox"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert f"drop FIT files into {home / 'inbox'}" in err
    assert "event=ingested file=tuesday.fit" in err
    assert "event=worker-stopped" in err


def test_a_second_worker_on_one_sqlite_home_is_refused(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    proc = start_worker(cli_env)
    try:
        second = runback("worker", "--once")
        assert second.returncode == 1
        assert "another worker is already running" in second.stderr
        assert len(second.stderr.splitlines()) == 1 + second.stderr.count("event=")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


@pytest.mark.parametrize("name", ["notes.txt", ".hidden.fit", "partial.fit.part"])
def test_the_worker_leaves_files_that_are_not_fit_files_alone(
    runback: Runner, cli_env: dict[str, str], name: str
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    runback("status")
    (home / "inbox" / name).write_bytes(b"hello")
    settle(home / "inbox" / name)
    assert runback("worker", "--once").returncode == 0
    assert (home / "inbox" / name).exists()


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    return err


def _wait_for(check: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_running_worker_takes_odd_and_hostile_names_and_says_each_on_one_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A name that is not UTF-8 used to stop the inbox (a traceback every 2 s); escape
    sequences and line separators in a name went raw into the log and stderr."""
    home = Path(cli_env["RUNBACK_HOME"])
    proc = start_worker(dict(cli_env, RUNBACK_INBOX_SCAN_S="0.5"))
    names = [
        os.fsdecode(b"lauf-\xe4\xff.fit"),
        "\x1b[2J\x1b[31mred.fit",
        "two\u2028lines\x85.fit",
        "after.fit",
    ]
    try:
        for i, name in enumerate(names):
            staged = tmp_path / f"staged-{i}.fit"
            staged.write_bytes(simple_run(2, serial=80_000 + i, start=T0 + timedelta(days=i)))
            os.replace(staged, home / "inbox" / name)
        assert _wait_for(lambda: len(os.listdir(home / "archive")) == len(names))
    finally:
        err = _stop(proc)
    assert sorted(os.listdir(home / "archive")) == sorted(names)
    assert "Traceback" not in err
    assert "skipped: maximum number of running instances" not in err
    log = (home / "logs" / "runback.log").read_text()
    for text in (err, log):
        assert all(line.isprintable() for line in text.split("\n")), text
        assert text.count("event=ingested ") == len(names)


def test_a_copy_that_arrives_in_pieces_with_pauses_is_taken_whole(
    cli_env: dict[str, str],
) -> None:
    """A phone over Wi-Fi: open, write a piece, close, a pause over a second, again. Each
    piece used to be quarantined as a truncated file."""
    home = Path(cli_env["RUNBACK_HOME"])
    proc = start_worker(dict(cli_env, RUNBACK_INBOX_SCAN_S="0.5"))
    data = run_walk()
    target = home / "inbox" / "phone.fit"
    try:
        size = len(data) // 3 + 1
        for start in range(0, len(data), size):
            with target.open("ab") as fh:
                fh.write(data[start : start + size])
            time.sleep(1.3)
        assert _wait_for(lambda: (home / "archive" / "phone.fit").exists())
    finally:
        err = _stop(proc)
    assert (home / "archive" / "phone.fit").read_bytes() == data
    assert list((home / "quarantine").iterdir()) == []
    assert "event=quarantined" not in err


def test_an_outbox_that_cannot_be_written_is_one_line_and_the_push_goes_out_later(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    """A folder stands where the workout file should go: root cannot write there either
    (a read-only outbox used to be a traceback and exit 1)."""
    home = Path(cli_env["RUNBACK_HOME"])
    env = dict(cli_env, RUNBACK_TODAY="2026-11-02")
    assert runback("profile", "set", "--birth-date", "2026-06-01", "--cleared-on",
                   "2026-11-01", env=env).returncode == 0  # fmt: skip
    assert runback("readiness", "log", "--date", "2026-11-01", "--passed", "all",
                   env=env).returncode == 0  # fmt: skip
    day = json.loads(runback("plan", "--json", env=env).stdout)["date"]
    blocker = home / "outbox" / f"runback-{day}.fit"
    blocker.mkdir(parents=True)
    for _ in range(2):
        done = runback("worker", "--once", env=env)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    log = (home / "logs" / "runback.log").read_text()
    [line] = [x for x in log.splitlines() if "event=push-failed" in x]
    assert str(home / "outbox") in line
    assert "runback tries again" in line
    blocker.rmdir()
    assert runback("worker", "--once", env=env).returncode == 0
    assert blocker.is_file()
