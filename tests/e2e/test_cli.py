"""`runback` as she runs it: exit codes, one-line errors, JSON contracts."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner, runback_command
from tests.support.fitbuilder import run_walk, simple_run, workout_file

INVALID = [
    "corrupt_activity-activity-filecrc.fit",
    "corrupt_activity-filecrc.fit",
    "corrupt_activity-settings-corruptheader.fit",
    "corrupt_activity-unexpected-eof.fit",
    "corrupt_empty-activities_badcrc.fit",
    "corrupt_zero-bytes.fit",
]


@pytest.fixture
def fit_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "runs"
    (folder / "week1").mkdir(parents=True)
    (folder / "week1" / "a.fit").write_bytes(run_walk())
    (folder / "b.FIT").write_bytes(simple_run(15, serial=99))
    return folder


def test_ingest_a_folder_prints_one_line_per_file(runback: Runner, fit_dir: Path) -> None:
    done = runback("ingest", str(fit_dir))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("ingested ") for line in lines)
    assert done.stderr == ""


def test_the_same_file_twice_is_one_activity(runback: Runner, fit_dir: Path) -> None:
    runback("ingest", str(fit_dir))
    again = runback("ingest", str(fit_dir / "b.FIT"))
    assert again.returncode == 0
    assert again.stdout.startswith("duplicate ")
    assert "duplicate of activity" in again.stdout
    listed = json.loads(runback("activities", "--json").stdout)
    assert len(listed) == 2


def test_activities_json_follows_the_contract(runback: Runner, fit_dir: Path) -> None:
    runback("ingest", str(fit_dir))
    listed = json.loads(runback("activities", "--json").stdout)
    assert set(listed[0]) == {"id", "start", "sport", "source", "file", "timer_s", "distance_m"}
    assert listed[0]["start"].endswith("Z")
    assert listed[0]["source"] == "file"
    assert {a["file"] for a in listed} == {"a.fit", "b.FIT"}


def test_ingest_never_moves_or_changes_what_it_reads(runback: Runner, fit_dir: Path) -> None:
    before = {p: p.read_bytes() for p in fit_dir.rglob("*.fit")} | {
        p: p.read_bytes() for p in fit_dir.rglob("*.FIT")
    }
    runback("ingest", str(fit_dir))
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("name", INVALID)
def test_every_invalid_fixture_exits_2_with_one_stderr_line(
    runback: Runner, shared_fit: Path, name: str
) -> None:
    done = runback("ingest", str(shared_fit / "invalid" / name))
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"rejected {shared_fit / 'invalid' / name}: ")
    assert "Traceback" not in done.stderr + done.stdout
    assert json.loads(runback("activities", "--json").stdout) == []
    status = json.loads(runback("status", "--json").stdout)
    assert [f["file"] for f in status["failed"]] == [name]


def test_a_mix_of_good_and_bad_files_exits_2_but_keeps_the_good(
    runback: Runner, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.fit", tmp_path / "workout.fit"
    good.write_bytes(run_walk())
    bad.write_bytes(workout_file())
    done = runback("ingest", str(good), str(bad), str(tmp_path / "missing.fit"))
    assert done.returncode == 2
    assert done.stdout.startswith("ingested ")
    assert done.stderr.splitlines() == [
        f"rejected {bad}: a workout file, not an activity",
        f"rejected {tmp_path / 'missing.fit'}: no such file or folder",
    ]


def test_status_json_has_every_contract_key(runback: Runner) -> None:
    status = json.loads(runback("status", "--json").stdout)
    assert {
        "activities",
        "pending",
        "failed",
        "last_ingest",
        "last_push",
        "garmin",
        "next_workout",
    } <= set(status)
    assert status["garmin"] in {"not-connected", "ok", "login-needed", "backing-off"}
    assert status["activities"] == 0
    assert status["last_ingest"] is None


def test_home_database_and_log_are_created_owner_only(
    runback: Runner, cli_env: dict[str, str], fit_dir: Path
) -> None:
    runback("ingest", str(fit_dir))
    home = Path(cli_env["RUNBACK_HOME"])
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "runback.db").stat().st_mode) == 0o600
    for extra in home.glob("runback.db-*"):
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "logs" / "runback.log").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--today", "2026-13-01", "status"], "'2026-13-01' is not a date"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["ingest"], "the following arguments are required: PATH"),
        (["--db", "mysql://x/y", "status"], "runback supports sqlite and postgresql"),
        (["--config", "/nonexistent/r.toml", "status"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runback: Runner, args: list[str], message: str) -> None:
    done = runback(*args)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_database_is_one_line_and_exit_1(runback: Runner) -> None:
    done = runback("--db", "postgresql+psycopg://nobody:secretpw@127.0.0.1:9/none", "status")
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1
    assert "database not usable" in done.stderr
    assert "secretpw" not in done.stderr


def test_a_database_set_up_by_a_newer_runback_is_one_line_and_left_as_it_is(
    runback: Runner, fit_dir: Path, cli_env: dict[str, str]
) -> None:
    """She goes back to an older runback: it says why it cannot use her database (it
    was an 'internal error: CommandError' from the migrations) and changes nothing."""
    import sqlite3

    runback("ingest", str(fit_dir))
    db = Path(cli_env["RUNBACK_HOME"]) / "runback.db"
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    done = runback("status")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    said = "database not usable: its schema is at revision '0099', which this runback does not"
    assert said in done.stderr
    assert "internal error" not in done.stderr
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]
        assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] > 0


def test_a_database_file_that_cannot_be_written_says_so_not_cannot_create(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    runback("status")
    db = Path(cli_env["RUNBACK_HOME"]) / "runback.db"
    if os.geteuid() != 0:
        db.chmod(0o400)
    elif subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
        pytest.skip("root writes any file, and chattr +i (immutable) is not available here")
    try:
        done = runback("status")
    finally:
        subprocess.run(["chattr", "-i", str(db)], capture_output=True)
        db.chmod(0o600)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"database file {db}: cannot open it for writing (" in done.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 kB file system of its own (tmpfs): a home on it fills up."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root here)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_one_line_not_an_internal_error(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path, small_disk: Path
) -> None:
    folder = tmp_path / "history"
    folder.mkdir()
    for i in range(12):
        (folder / f"run{i:02d}.fit").write_bytes(simple_run(60, serial=700 + i))
    env = dict(cli_env, RUNBACK_HOME=str(small_disk / "home"))
    done = runback("ingest", "--jobs", "1", str(folder), env=env)
    assert done.returncode != 0
    assert "internal error" not in done.stderr + done.stdout
    [line] = [line for line in done.stderr.splitlines() if line.startswith("runback: ")]
    assert "the disk is full" in line
    assert "Traceback" not in done.stderr


def test_known_faults_of_the_machine_are_named() -> None:
    import errno
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from sync.entrypoints.cli_common import known_fault
    from sync.errors import DISK_FULL

    full = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))
    assert known_fault(full) == DISK_FULL
    assert known_fault(OSError(errno.ENOSPC, "No space left on device")) == DISK_FULL
    io = OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))
    assert "disk I/O error" in (known_fault(io) or "")
    assert (
        known_fault(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table")))
        is None
    )
    assert known_fault(ValueError("database or disk is full")) is None


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_a_command_ends_prints_nothing_more(
    runback: Runner, cli_env: dict[str, str], sig: signal.Signals
) -> None:
    """Ctrl-C (or SIGTERM) just after `status` has printed, while it closes the database
    and exits: it printed a 31-line traceback, and died by the signal, 20 times in 20."""
    runback("status")
    for _ in range(5):
        proc = subprocess.Popen(
            [*runback_command(), "status"], env=cli_env, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("next workout"):
                break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        _out, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert proc.returncode in (0, 130, 143), (proc.returncode, err)


def test_db_rebuild_restores_a_lost_database(
    runback: Runner, fit_dir: Path, cli_env: dict[str, str]
) -> None:
    runback("ingest", str(fit_dir))
    before = json.loads(runback("activities", "--json").stdout)
    home = Path(cli_env["RUNBACK_HOME"])
    for db in home.glob("runback.db*"):
        db.unlink()
    assert json.loads(runback("activities", "--json").stdout) == []
    done = runback("db", "rebuild")
    assert done.returncode == 0, done.stderr
    assert "2 re-created" in done.stdout
    after = json.loads(runback("activities", "--json").stdout)

    def without_ids(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return sorted(
            ({k: v for k, v in a.items() if k != "id"} for a in rows), key=lambda a: str(a["file"])
        )

    assert without_ids(after) == without_ids(before)


def test_log_lines_are_key_value_and_say_what_was_synced(
    runback: Runner, fit_dir: Path, cli_env: dict[str, str]
) -> None:
    done = runback("ingest", str(fit_dir))
    assert (
        "event=" not in done.stdout + done.stderr
    )  # a one-shot command prints only its own output
    log = (Path(cli_env["RUNBACK_HOME"]) / "logs" / "runback.log").read_text()
    assert "event=ingested file=a.fit source=file activity=" in log


def test_log_json_writes_json_lines(
    runback: Runner, fit_dir: Path, cli_env: dict[str, str]
) -> None:
    runback("--log-json", "ingest", str(fit_dir / "b.FIT"))
    lines = (Path(cli_env["RUNBACK_HOME"]) / "logs" / "runback.log").read_text().splitlines()
    bodies = [json.loads(line) for line in lines]
    [body] = [b for b in bodies if b["event"] == "ingested"]
    assert body["file"] == "b.FIT"
    assert body["severity"] == "info"
    [decided] = [b for b in bodies if b["event"] == "decided"]
    assert (decided["severity"], decided["level"]) == ("info", 0)  # her level is a field


@pytest.mark.postgres
def test_the_cli_works_on_postgresql(runback: Runner, pg_url: str, fit_dir: Path) -> None:
    done = runback("--db", pg_url, "ingest", str(fit_dir))
    assert done.returncode == 0, done.stderr
    again = runback("--db", pg_url, "ingest", str(fit_dir))
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["duplicate"] * 2
    assert len(json.loads(runback("--db", pg_url, "activities", "--json").stdout)) == 2


def test_a_hostile_file_name_is_shown_escaped_on_the_terminal(
    runback: Runner, tmp_path: Path
) -> None:
    from tests.support.fitbuilder import simple_run

    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "run\x1b[31mred\u2028.fit").write_bytes(simple_run(5))
    done = runback("ingest", str(folder))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "\u2028" not in done.stdout
    assert "run\\x1b[31mred\\u2028.fit" in done.stdout
    listed = runback("activities").stdout
    assert "\x1b" not in listed
    assert "\\x1b[31mred" in listed
