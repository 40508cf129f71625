"""The journal commands as she types them, and the privacy promise: symptom details
never reach the log file or the worker's output."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from tests.support.fitbuilder import (
    FIRST_LEVEL_STEPS,
    ActivitySpec,
    build_activity,
    first_level_segments,
)

TODAY = ["--today", "2026-11-02"]


@pytest.fixture
def level_one(tmp_path: Path) -> Path:
    spec = ActivitySpec(
        first_level_segments(), laps_per_segment=True, workout_name="L1",
        workout_steps=FIRST_LEVEL_STEPS,
    )  # fmt: skip
    path = tmp_path / "l1.fit"
    path.write_bytes(build_activity(spec))
    return path


def test_profile_readiness_and_a_symptom_entry_from_the_command_line(
    runback: Runner, level_one: Path
) -> None:
    assert runback(*TODAY, "profile", "set", "--birth-date", "2026-08-01").returncode == 0
    assert runback(*TODAY, "profile", "set", "--cleared-on", "2026-11-01").returncode == 0
    done = runback(*TODAY, "readiness", "log", "--date", "2026-11-01", "--passed", "walk,hop")
    assert done.stdout.startswith("recorded; still to pass: balance, squat, jog")
    done = runback(*TODAY, "readiness", "log", "--date", "2026-11-02", "--passed", "all")
    assert done.stdout == "readiness test passed (on 2026-11-02)\n"
    shown = json.loads(runback(*TODAY, "profile", "show", "--json").stdout)
    assert shown["weeks_postpartum"] == 13.3
    assert shown["readiness"]["passed_on"] == "2026-11-02"
    runback("ingest", str(level_one))
    done = runback(*TODAY, "symptoms", "log", "--leak", "leak", "--leak-at", "15:20", "--pain", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "recorded entry 1 for 2026-11-02 (run 1); "
        "leaking from run interval 3 at 0:20 (1:20 of running before)\n"
    )
    [listed] = json.loads(runback("symptoms", "list", "--json").stdout)
    assert listed["leak_onset"] == {
        "interval": 6, "run_interval": 3, "interval_kind": "run", "into_interval_s": 20,
        "run_s_before": 80,
    }  # fmt: skip
    assert "run interval 3 at 0:20" in runback("symptoms", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["symptoms", "log", "--leak", "none", "--mood", "ok"], "unrecognized arguments: --mood"),
        (["symptoms", "log", "--leak", "none", "--rpe", "11"], "--rpe: must be 1-10, got 11"),
        (["symptoms", "log", "--activity", "1", "--date", "2026-11-01", "--leak", "none"],
         "argument --date: not allowed with argument --activity"),
        (["profile", "set", "--delivery", "c-section"], "argument --delivery: invalid choice"),
        (["readiness", "log", "--date", "2026-11-01"], "readiness log: give --passed ITEMS"),
        (["symptoms", "import", "missing.csv"], "missing.csv: no such file"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(runback: Runner, args: list[str], message: str) -> None:
    done = runback(*TODAY, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.count("\n") == 1


def test_patterns_are_honest_with_little_data(runback: Runner, level_one: Path) -> None:
    runback("ingest", str(level_one))
    runback(*TODAY, "symptoms", "log", "--leak", "drops")
    done = runback(*TODAY, "symptoms", "patterns")
    assert done.stdout == (
        "1 session with a journal entry: too few to say (patterns need at least 6)\n"
    )


# Values distinctive enough to find anywhere (a pain score of 3 is not: timestamps have 3s).
SECRETS = {"note": "zebra-crossing-7731", "fluid-ml": "9876", "slept-h": "4.25"}


def test_symptom_details_never_reach_the_log_or_the_worker_output(
    runback: Runner, cli_env: dict[str, str], level_one: Path
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    runback("ingest", str(level_one))
    logged = runback(
        *TODAY, "symptoms", "log", "--leak", "leak", "--leak-at", "15:20",
        "--note", SECRETS["note"], "--fluid-ml", SECRETS["fluid-ml"],
        "--slept-h", SECRETS["slept-h"], "--pain", "3", "--bleeding",
    )  # fmt: skip
    assert logged.returncode == 0, logged.stderr
    inbox = home / "inbox"
    (inbox / "week.csv").write_text(
        "date,leak,heaviness,note,fluid-ml\n2026-11-01,drops,2,kestrel-feather-5520,2468\n"
    )
    (inbox / "bad.csv").write_text("date,leak,pain\n2026-11-01,leak,97531\n")
    old = time.time() - 60
    for name in ("week.csv", "bad.csv"):
        os.utime(inbox / name, (old, old))
    worker = runback(*TODAY, "worker", "--once")
    assert worker.returncode == 0, worker.stderr
    assert (home / "archive" / "week.csv").exists()
    assert (home / "quarantine" / "bad.csv").exists()
    reason = (home / "quarantine" / "bad.csv.reason.txt").read_text()
    assert "row 2, column pain: must be 0-10" in reason
    assert "97531" not in reason  # named by row and column, never quoted
    listed = json.loads(runback("symptoms", "list", "--json").stdout)
    assert {e["note"] for e in listed} == {SECRETS["note"], "kestrel-feather-5520"}
    log = (home / "logs" / "runback.log").read_text()
    assert "event=symptoms-recorded" in log
    assert "event=symptoms-imported file=week.csv" in log
    outputs = [log, worker.stdout, worker.stderr, logged.stderr]
    for secret in [*SECRETS.values(), "kestrel-feather-5520", "2468", "97531", "bleeding", "pain"]:
        for text in outputs:
            assert secret not in text, f"{secret!r} leaked"


def test_symptoms_import_reads_cr_files_and_refuses_unreadable_ones_in_one_line(
    runback: Runner, tmp_path: Path
) -> None:
    cr = tmp_path / "cr.csv"
    cr.write_bytes(b"\xef\xbb\xbfdate,leak,note\r2026-11-01,drops,windy\r")
    done = runback(*TODAY, "symptoms", "import", str(cr))
    assert (done.returncode, done.stderr) == (0, "")
    assert "1 added" in done.stdout
    big = tmp_path / "big.csv"
    big.write_text("date,leak,note\n2026-11-01,drops," + "x" * 140_000 + "\n")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"date,leak,note\n2026-11-01,drops,heron\x00egret\n")
    for path, message in (
        (big, "big.csv row 2, column note: a cell longer than 131072 characters"),
        (nul, "nul.csv row 2, column note: holds a NUL byte"),
    ):
        done = runback(*TODAY, "symptoms", "import", str(path))
        assert done.returncode == 2
        assert done.stderr.startswith(f"runback: {message}")
        assert done.stderr.count("\n") == 1
        assert "heron" not in done.stderr
        assert "internal error" not in done.stderr


def test_worker_once_quarantines_an_unreadable_journal_and_goes_on(
    runback: Runner, cli_env: dict[str, str], level_one: Path
) -> None:
    inbox = Path(cli_env["RUNBACK_HOME"]) / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "a.csv").write_bytes(b"date,leak\r2026-11-01,drops\r")
    (inbox / "b.csv").write_text("date,leak,note\n2026-11-01,drops," + "x" * 140_000 + "\n")
    (inbox / "c.fit").write_bytes(level_one.read_bytes())
    old = time.time() - 60
    for path in inbox.iterdir():
        os.utime(path, (old, old))
    done = runback(*TODAY, "worker", "--once")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    home = Path(cli_env["RUNBACK_HOME"])
    assert sorted(p.name for p in (home / "archive").iterdir()) == ["a.csv", "c.fit"]
    assert (home / "quarantine" / "b.csv").exists()
    assert "row 2, column note" in (home / "quarantine" / "b.csv.reason.txt").read_text()
    assert list(inbox.iterdir()) == []


def _refuse_symptom_rows(db: str) -> None:
    """Make the database itself refuse every new symptom entry (a fault, not bad input):
    on PostgreSQL with a CHECK constraint, whose error DETAIL quotes the whole row."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("ALTER TABLE symptom_entry ADD CONSTRAINT no_fluid CHECK (fluid_ml IS NULL)")
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON symptom_entry "
                    "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
                )
            )
    engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_database_failure_shows_no_symptom_value_on_stderr_or_in_the_log(
    runback: Runner, cli_env: dict[str, str], request: pytest.FixtureRequest, backend: str
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    if backend == "postgres":
        db = request.getfixturevalue("pg_url")
        options = ["--db", db]
    else:
        db, options = f"sqlite:///{home / 'runback.db'}", []
    assert runback(*options, "status").returncode == 0  # creates the schema
    _refuse_symptom_rows(db)
    done = runback(
        *options, *TODAY, "symptoms", "log", "--leak", "leak", "--note", SECRETS["note"],
        "--fluid-ml", SECRETS["fluid-ml"], "--slept-h", SECRETS["slept-h"],
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("runback: internal error: ")
    assert done.stderr.count("\n") == 1
    log = (home / "logs" / "runback.log").read_text()
    assert "internal error" in log
    for secret in SECRETS.values():
        assert secret not in done.stderr + done.stdout, f"{secret!r} on stderr"
        assert secret not in log, f"{secret!r} in the log"
