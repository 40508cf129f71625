"""Bad input is exit 2 and one clear line, never a traceback or an "internal error":
homes that cannot be folders, text that is not UTF-8, dates outside 1900-2100, report
paths in missing folders, database URLs that do not parse (without ever showing part of
a password), and status never quoting a refused journal's symptom values."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner

TODAY = ["--today", "2026-11-02"]
NOT_UTF8 = os.fsdecode(b"windy \xff\xfe day")  # what a Latin-1 terminal passes through


def assert_one_line_exit_2(done: object, message: str) -> None:
    stderr = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 2, stderr  # type: ignore[attr-defined]
    assert stderr.count("\n") == 1, stderr
    assert message in stderr
    assert "Traceback" not in stderr
    assert "internal error" not in stderr


def test_a_home_that_is_a_file_is_refused(runback: Runner, tmp_path: Path) -> None:
    a_file = tmp_path / "hostname"
    a_file.write_text("box\n")
    done = runback("--home", str(a_file), "status")
    assert_one_line_exit_2(done, f"home folder {a_file}: it is a file, not a folder")


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
def test_a_home_that_cannot_be_created_is_refused(runback: Runner) -> None:
    done = runback("--home", "/proc/x", "status")
    assert_one_line_exit_2(done, "home folder /proc/x: cannot create it (")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["symptoms", "log", "--leak", "none", "--note", NOT_UTF8],
         "--note: is not UTF-8 text"),
        (["readiness", "log", "--date", "0001-01-01", "--passed", "all"],
         "argument --date: 0001-01-01 is out of range (1900-01-01 to 2100-12-31)"),
        (["--today", "9999-12-31", "symptoms", "log", "--leak", "none"],
         "argument --today: 9999-12-31 is out of range"),
        (["symptoms", "log", "--leak", "none", "--date", "1899-12-31"],
         "--date: 1899-12-31 is out of range (1900-01-01 to 2100-12-31)"),
        (["profile", "set", "--birth-date", "1850-05-01"], "argument --birth-date: 1850-05-01"),
        (["garmin", "pull", "--since", "0001-01-01"], "argument --since: 0001-01-01 is out of"),
    ],
)  # fmt: skip
def test_text_and_dates_runback_cannot_use_are_refused(
    runback: Runner, args: list[str], message: str
) -> None:
    assert_one_line_exit_2(runback(*TODAY, *args), message)


def test_today_from_the_environment_out_of_range_is_refused(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    done = runback(
        "symptoms", "log", "--leak", "none", env={**cli_env, "RUNBACK_TODAY": "9999-12-31"}
    )
    assert_one_line_exit_2(done, "setting 'today'")
    assert "9999-12-31 is out of range (1900-01-01 to 2100-12-31)" in done.stderr


def test_a_csv_date_out_of_range_names_row_and_column(runback: Runner, tmp_path: Path) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_text("date,leak\n0001-01-01,drops\n")
    done = runback(*TODAY, "symptoms", "import", str(sheet))
    assert_one_line_exit_2(done, "journal.csv row 2, column date: 0001-01-01 is out of range")


def test_a_report_into_a_missing_folder_is_refused(runback: Runner, tmp_path: Path) -> None:
    done = runback("report", "--out", str(tmp_path / "nope" / "r.html"))
    assert_one_line_exit_2(done, f"--out: the folder {tmp_path / 'nope'} does not exist")


@pytest.mark.parametrize(
    ("url", "message", "secret"),
    [
        ("postgresql://runner:s3cretpw@localhost:abc/db",
         "database URL is not valid: its port is not a number", "s3cretpw"),
        ("postgresql+nosuchdriver://runner:s3cretpw@localhost/db",
         "database URL names the driver 'postgresql+nosuchdriver'", "s3cretpw"),
        ("postgresql+psycopg://runner:se@cret-pw@127.0.0.1:5432/test",
         "write an '@' in the password as %40", "cret-pw"),
        ("postgresql+psycopg://runner:pw/with@sl@ash@127.0.0.1/test",
         "write an '@' in the password as %40", "ash"),
        ("not a url s3cretpw", "database URL is not valid", "s3cretpw"),
    ],
)  # fmt: skip
def test_a_database_url_that_cannot_be_used_never_shows_the_password(
    runback: Runner, url: str, message: str, secret: str
) -> None:
    done = runback("--db", url, "status")
    assert_one_line_exit_2(done, message)
    assert secret not in done.stderr + done.stdout


def test_status_never_prints_a_refused_journals_symptom_values(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    inbox = Path(cli_env["RUNBACK_HOME"]) / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "bad.csv").write_text("date,leak,pain,breathing\n2026-11-01,leak,97531,gasping\n")
    old = time.time() - 60
    os.utime(inbox / "bad.csv", (old, old))
    assert runback(*TODAY, "worker", "--once").returncode == 0
    shown = runback("status")
    body = json.loads(runback("status", "--json").stdout)
    [failed] = body["failed"]
    assert failed["file"] == "bad.csv"
    assert failed["reason"].startswith("bad.csv row 2, column pain: refused")
    assert "bad.csv row 2, column pain: refused" in shown.stdout
    for text in (shown.stdout, json.dumps(body)):
        assert "97531" not in text
        assert "gasping" not in text
