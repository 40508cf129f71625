"""The worker under bad input and faults (issue 13): odd file names, files that cannot be
read, folders that cannot be written (read-only, full) or read, copies that arrive in
pieces, and the log it keeps about all that. On SQLite and PostgreSQL.

The tests run as root, and chmod does not stop root: a read-only or full folder is
simulated by refusing, at the OS seam (os.open for writing, os.link, os.replace,
os.mkdir, os.unlink, os.scandir), every change below that folder with the errno the
kernel would give (EROFS, EACCES, ENOSPC).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import sync.usecases.inbox as inbox_use_case
from sync.adapters import reading
from sync.bootstrap import App
from sync.entrypoints.worker import run_once
from sync.usecases.inbox_pass import ClosedFiles, InboxPass, process
from sync.usecases.ingest import list_activities
from sync.usecases.journal import log_readiness, set_profile
from sync.usecases.push import push
from sync.usecases.status import status
from tests.support.fitbuilder import T0, run_walk, simple_run

TODAY = date(2026, 11, 3)


class Clock:
    """Wall-clock seconds for the inbox and UTC datetimes for the app, moved by the test."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(make_app: Callable[..., App], clock: Clock) -> App:
    made = make_app(today=TODAY, timezone="UTC")
    made.clock = clock.utc
    return made


def ready(app: App) -> None:
    set_profile(app, birth_date=date(2026, 6, 1), cleared_on=date(2026, 11, 1))
    log_readiness(app, date(2026, 11, 1), "all", None, None)


def drop(folder: Path, name: str, data: bytes, age_s: float = 60) -> Path:
    path = folder / name
    path.write_bytes(data)
    old = time.time() - age_s
    os.utime(path, (old, old))
    return path


def log_text(app: App) -> str:
    path = app.settings.logs / "runback.log"
    return path.read_text() if path.exists() else ""


def log_lines(app: App, event: str) -> list[str]:
    return [line for line in log_text(app).splitlines() if f" event={event} " in f"{line} "]


def run_pass(app: App, inbox_pass: InboxPass | None = None) -> Any:
    return (inbox_pass or InboxPass(app)).run(threading.Event())


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Refuse:
    """Refuse changes below some folders with an errno, at the OS seam; `heal()` ends it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rules: list[tuple[Path, int, str]] = []
        real_open, real_link, real_replace = os.open, os.link, os.replace
        real_mkdir, real_unlink, real_scandir = os.mkdir, os.unlink, os.scandir

        def check(path: Any, kind: str) -> None:
            target = Path(os.fsdecode(path)).absolute()
            for folder, code, what in self.rules:
                if what == kind and (target == folder or folder in target.parents):
                    raise OSError(code, os.strerror(code), str(target))

        def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & _WRITE_FLAGS:
                check(path, "write")
            return real_open(path, flags, *args, **kwargs)

        def fake_link(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            check(dst, "write")
            check(src, "write")  # the source leaves its folder (unlinked right after)
            real_link(src, dst, *args, **kwargs)

        def fake_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            check(dst, "write")
            real_replace(src, dst, *args, **kwargs)

        def fake_mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
            check(path, "write")
            real_mkdir(path, *args, **kwargs)

        def fake_unlink(path: Any, *args: Any, **kwargs: Any) -> None:
            check(path, "write")
            real_unlink(path, *args, **kwargs)

        def fake_scandir(path: Any = ".") -> Any:
            check(path, "read")
            return real_scandir(path)

        for name, fake in [("open", fake_open), ("link", fake_link), ("replace", fake_replace),
                           ("mkdir", fake_mkdir), ("unlink", fake_unlink),
                           ("scandir", fake_scandir)]:  # fmt: skip
            monkeypatch.setattr(os, name, fake)

    def writes(self, folder: Path, code: int) -> None:
        self.rules.append((folder.absolute(), code, "write"))

    def reads(self, folder: Path, code: int) -> None:
        self.rules.append((folder.absolute(), code, "read"))

    def heal(self) -> None:
        self.rules.clear()


@pytest.fixture
def refuse(monkeypatch: pytest.MonkeyPatch) -> Refuse:
    return Refuse(monkeypatch)


def assert_no_traceback(app: App) -> None:
    assert "Traceback" not in log_text(app).replace("trace=", "")


# --- item 2: names that are not UTF-8 ---------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_taken_with_its_name_escaped_and_the_others_too(
    app: App,
) -> None:
    inbox = app.settings.inbox
    odd = os.fsdecode(b"run-\xff\xe9.fit")
    odd_csv = os.fsdecode(b"journal-\xfe.csv")
    drop(inbox, odd, run_walk(serial=11))
    drop(inbox, "after.fit", simple_run(serial=12, start=T0.replace(day=3)))
    drop(inbox, odd_csv, b"date,leak\n2026-11-02,none\n")
    results = run_pass(app)
    assert sorted(r.state for r in results) == ["imported", "ingested", "ingested"]
    assert sorted(os.listdir(app.settings.archive)) == sorted(["after.fit", odd, odd_csv])
    assert os.listdir(inbox) == []
    names = sorted(a.file_name for a in list_activities(app))
    assert names == ["after.fit", "run-\\xff\\xe9.fit"]
    assert 'file="run-\\xff\\xe9.fit"' in log_text(app)
    assert status(app).as_json()["pending"] == 0


def test_a_name_too_long_for_a_numbered_copy_is_shortened_and_the_inbox_goes_on(
    app: App,
) -> None:
    inbox = app.settings.inbox
    long_name = "L" * 250 + ".fit"
    drop(inbox, long_name, run_walk(serial=21))
    run_pass(app)
    drop(inbox, long_name, run_walk(serial=22, start=T0.replace(day=5)))
    drop(inbox, "other.fit", simple_run(serial=23, start=T0.replace(day=7)))
    drop(inbox, "M" * 248 + ".fit", b"not a fit file at all")
    results = run_pass(app)
    assert sorted(r.state for r in results) == ["ingested", "ingested", "rejected"]
    assert os.listdir(inbox) == []
    archived = os.listdir(app.settings.archive)
    assert len([n for n in archived if n.startswith("LLLL")]) == 2  # shortened, both kept
    assert "other.fit" in archived
    assert all(len(os.fsencode(n)) <= 255 for n in archived)
    [note] = [n for n in os.listdir(app.settings.quarantine) if n.endswith(".reason.txt")]
    assert note.startswith("MMMM")
    assert "folder-fault" not in log_text(app)


# --- item 7: a file that keeps failing --------------------------------------------------------


def test_a_file_that_cannot_be_read_goes_to_quarantine_after_its_last_attempt(
    app: App, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = run_walk()
    path = drop(app.settings.inbox, "locked.fit", data)

    def read_file(path: Path | str) -> bytes:
        if Path(path) == app.settings.inbox / "locked.fit":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return reading.read_file(path)

    monkeypatch.setattr(inbox_use_case, "read_file", read_file)
    inbox_pass = InboxPass(app, clock=clock)
    for attempt in range(1, 6):
        run_pass(app, inbox_pass)
        assert path.exists() == (attempt < 5), attempt
        clock.t += 600
    kept = app.settings.quarantine / "locked.fit"
    assert kept.read_bytes() == data
    reason = (app.settings.quarantine / "locked.fit.reason.txt").read_text()
    assert "cannot read" in reason
    assert "5 attempts" in reason
    shown = status(app).as_json()
    assert shown["pending"] == 0
    assert [f["file"] for f in shown["failed"]] == ["locked.fit"]
    assert "cannot read" in shown["failed"][0]["reason"]


# --- item 8: folders that cannot be used ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "read-only"), (errno.ENOSPC, "full"), (errno.EACCES, "permission")],
)
def test_a_raw_store_that_cannot_be_written_keeps_the_file_waiting_with_one_line_naming_raw(
    app: App, clock: Clock, refuse: Refuse, code: int, words: str
) -> None:
    data = run_walk()
    path = drop(app.settings.inbox, "run.fit", data)
    drop(app.settings.inbox, "second.fit", simple_run(serial=5, start=T0.replace(day=4)))
    refuse.writes(app.settings.raw, code)
    inbox_pass = InboxPass(app, clock=clock)
    for _ in range(8):  # many more passes than attempts: a folder fault is not the file's
        run_pass(app, inbox_pass)
        clock.t += 600
    assert path.read_bytes() == data
    assert list_activities(app) == []
    [line] = log_lines(app, "folder-fault")
    assert f"folder={app.settings.raw}" in line
    assert words in line
    assert "cannot move" not in log_text(app)
    assert not any(app.settings.quarantine.iterdir())
    assert_no_traceback(app)
    refuse.heal()
    run_pass(app, inbox_pass)
    assert sorted(p.name for p in app.settings.archive.iterdir()) == ["run.fit", "second.fit"]
    assert len(list_activities(app)) == 2
    assert len(log_lines(app, "folder-recovered")) == 1


def test_an_archive_that_cannot_be_written_names_the_archive_and_nothing_is_lost(
    app: App, clock: Clock, refuse: Refuse
) -> None:
    data = run_walk()
    path = drop(app.settings.inbox, "run.fit", data)
    refuse.writes(app.settings.archive, errno.EROFS)
    run_pass(app, InboxPass(app, clock=clock))
    assert path.read_bytes() == data
    [line] = log_lines(app, "folder-fault")
    assert f"folder={app.settings.archive}" in line
    refuse.heal()
    clock.t += 600
    run_pass(app, InboxPass(app, clock=clock))
    assert (app.settings.archive / "run.fit").read_bytes() == data
    assert len(list_activities(app)) == 1  # stored once, though the first pass stored it


def test_an_inbox_that_cannot_be_read_is_one_line_and_the_worker_goes_on(
    app: App, refuse: Refuse
) -> None:
    drop(app.settings.inbox, "run.fit", run_walk())
    refuse.reads(app.settings.inbox, errno.EACCES)
    inbox_pass = InboxPass(app)
    assert run_pass(app, inbox_pass) == []
    assert run_pass(app, inbox_pass) == []
    [line] = log_lines(app, "folder-fault")
    assert f"folder={app.settings.inbox}" in line
    assert "permission" in line
    refuse.heal()
    assert [r.state for r in run_pass(app, inbox_pass)] == ["ingested"]


@pytest.mark.parametrize(("code", "words"), [(errno.EROFS, "read-only"), (errno.ENOSPC, "full")])
def test_an_outbox_that_cannot_be_written_is_a_failed_push_tried_again(
    app: App, refuse: Refuse, code: int, words: str
) -> None:
    ready(app)
    refuse.writes(app.settings.outbox, code)
    [failed] = push(app, "outbox")
    assert failed.state == "failed"
    assert str(app.settings.outbox) in failed.detail
    assert words in failed.detail
    process(app)
    process(app)
    assert len(log_lines(app, "push-failed")) == 1
    refuse.heal()
    process(app)
    assert (app.settings.outbox / f"runback-{TODAY}.fit").exists()
    assert len(log_lines(app, "pushed")) == 1


def test_a_full_disk_during_a_whole_pass_is_two_clear_lines_and_nothing_is_lost(
    app: App, clock: Clock, refuse: Refuse
) -> None:
    ready(app)
    data = run_walk(start=datetime(2026, 11, 2, 8, tzinfo=UTC))
    path = drop(app.settings.inbox, "run.fit", data)
    refuse.writes(app.settings.raw, errno.ENOSPC)
    refuse.writes(app.settings.outbox, errno.ENOSPC)
    run_once(app)
    run_once(app)
    assert path.read_bytes() == data
    faults = log_lines(app, "folder-fault") + log_lines(app, "push-failed")
    assert len(faults) == 2
    assert all("full" in line for line in faults)
    assert_no_traceback(app)
    refuse.heal()
    clock.t += 600
    run_once(app)
    assert (app.settings.archive / "run.fit").read_bytes() == data
    with app.uow() as uow:
        latest = uow.repo.latest_decision()
    assert latest is not None
    assert (app.settings.outbox / f"runback-{latest.on}.fit").exists()


# --- item 9: copies that arrive in pieces -----------------------------------------------------


def test_a_file_copied_in_pieces_with_pauses_waits_for_the_rest(app: App, clock: Clock) -> None:
    data = run_walk()
    path = app.settings.inbox / "phone.fit"
    closed = ClosedFiles()
    inbox_pass = InboxPass(app, clock=clock, closed=closed)
    for start in range(0, len(data), 8192):
        with path.open("ab") as fh:  # a phone over Wi-Fi: open, write a piece, close
            fh.write(data[start : start + 8192])
        closed.add("phone.fit")
        run_pass(app, inbox_pass)
        clock.t += 1.5
    assert not any(app.settings.quarantine.iterdir())
    assert (app.settings.archive / "phone.fit").read_bytes() == data
    assert len(list_activities(app)) == 1
    assert status(app).as_json()["failed"] == []


def test_a_journal_copied_in_pieces_is_read_whole_not_cut_mid_row(app: App, clock: Clock) -> None:
    from sync.usecases.journal import entries_view

    path = app.settings.inbox / "journal.csv"
    closed = ClosedFiles()
    inbox_pass = InboxPass(app, clock=clock, closed=closed)
    for piece in (b"date,leak,pain,heaviness\n2026-11-02,leak,1", b"0,2\n"):
        with path.open("ab") as fh:
            fh.write(piece)
        closed.add("journal.csv")
        clock.t = path.stat().st_mtime + 1.5
        run_pass(app, inbox_pass)
    [(_, entry, _)] = entries_view(app)
    assert (entry.pain, entry.heaviness) == (10, 2)  # not pain 1 from half a row
    assert not (app.settings.inbox / "journal.csv").exists()


def test_a_truncated_file_is_refused_only_after_it_stayed_unchanged_for_the_wait(
    app: App, clock: Clock
) -> None:
    wait_s = app.settings.inbox_truncated_wait_s
    assert wait_s >= 60
    data = run_walk()[:8192]
    path = app.settings.inbox / "cut.fit"
    path.write_bytes(data)
    written = path.stat().st_mtime
    clock.t = written + 2
    inbox_pass = InboxPass(app, clock=clock)
    run_pass(app, inbox_pass)
    clock.t = written + wait_s - 1
    run_pass(app, inbox_pass)
    assert path.exists()
    assert status(app).as_json()["failed"] == []
    clock.t = written + wait_s + 1
    run_pass(app, inbox_pass)
    assert not path.exists()
    assert (app.settings.quarantine / "cut.fit").read_bytes() == data
    assert (app.settings.quarantine / "cut.fit.reason.txt").read_text().strip()


def test_the_wait_for_a_truncated_file_is_a_setting(make_app: Callable[..., App]) -> None:
    app = make_app(inbox_truncated_wait_s=0)
    drop(app.settings.inbox, "cut.fit", run_walk()[:8192], age_s=2)
    run_pass(app)
    assert (app.settings.quarantine / "cut.fit").exists()


def test_a_file_its_writer_still_holds_open_waits_until_it_is_closed(
    app: App, clock: Clock
) -> None:
    data = run_walk()
    path = app.settings.inbox / "open.fit"
    closed = ClosedFiles()
    inbox_pass = InboxPass(app, clock=clock, closed=closed)
    with path.open("wb") as writer:
        writer.write(data)
        writer.flush()
        closed.add("open.fit")  # e.g. another program opened and closed it meanwhile
        run_pass(app, inbox_pass)
        assert path.exists()
        assert list_activities(app) == []
    clock.t += 60
    run_pass(app, inbox_pass)
    assert (app.settings.archive / "open.fit").read_bytes() == data


# --- item 1: one summary line per pass that changed something --------------------------------


def test_a_pass_that_changed_something_ends_with_one_summary_line(app: App) -> None:
    ready(app)
    drop(
        app.settings.inbox, "a.fit", run_walk(serial=1, start=datetime(2026, 11, 1, 7, tzinfo=UTC))
    )
    drop(
        app.settings.inbox, "b.fit", run_walk(serial=2, start=datetime(2026, 11, 2, 7, tzinfo=UTC))
    )
    drop(app.settings.inbox, "bad.fit", b"not a fit file at all")
    run_pass(app)
    with app.uow() as uow:
        latest = uow.repo.latest_decision()
    assert latest is not None
    [line] = log_lines(app, "summary")
    assert line.split(" ", 1)[1].startswith("info event=summary")
    expected = (
        f"2 runs stored, 1 refused, next: {latest.on:%m-%d} {latest.phase} L{latest.level} "
        "pushed to outbox"
    )
    assert expected in line
    run_pass(app)  # nothing new: no second summary
    assert len(log_lines(app, "summary")) == 1
    assert len(log_lines(app, "decided")) >= 1
    assert len(log_lines(app, "pushed")) == 1


# --- APScheduler's expected skips -------------------------------------------------------------


def test_the_schedulers_expected_skips_never_reach_a_log(caplog: pytest.LogCaptureFixture) -> None:
    from sync.usecases.faults import quiet_scheduler_logs

    quiet_scheduler_logs()
    with caplog.at_level(logging.INFO):
        logging.getLogger("apscheduler.scheduler").warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "inbox (trigger: interval[0:00:02])",
            1,
        )
        logging.getLogger("apscheduler.scheduler").warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


# --- a job never raises into the scheduler ----------------------------------------------------


def test_a_database_fault_in_a_job_is_said_once_and_its_end_once(app: App) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from sync.usecases.faults import guarded

    failing = [True]

    def work() -> None:
        if failing[0]:
            raise OperationalError(
                "INSERT ...",
                {"note": "secret"},
                sqlite3.OperationalError("database or disk is full"),
            )

    job = guarded("inbox", work)
    job()
    job()
    failing[0] = False
    job()
    job()
    [fault] = log_lines(app, "database-fault")
    assert "database or disk is full" in fault
    assert "secret" not in log_text(app)
    assert len(log_lines(app, "database-recovered")) == 1


def test_a_bug_in_a_job_is_one_error_line_with_its_trace_in_the_file(app: App) -> None:
    from sync.usecases.faults import guarded

    def work() -> None:
        raise ValueError("a bug")

    guarded("inbox", work)()
    [line] = log_lines(app, "internal-error")
    assert " error event=internal-error during=inbox error=ValueError " in line
    assert "Traceback" in line


def test_a_move_onto_another_full_disk_leaves_no_part_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from sync.adapters.inbox_folder import move_without_overwrite
    from sync.errors import FolderError

    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    archive.mkdir()
    original = drop(inbox, "run.fit", b"x" * 10_000)

    def other_disk(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def cut_short(src: str, dst: str) -> None:
        Path(dst).write_bytes(b"x" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", other_disk)
    monkeypatch.setattr(shutil, "move", cut_short)
    for _ in range(3):  # pass after pass: no run.2.fit, run.3.fit ...
        with pytest.raises(FolderError, match="the disk is full"):
            move_without_overwrite(original, archive)
    assert os.listdir(archive) == []
    assert original.read_bytes() == b"x" * 10_000


def test_what_the_inbox_cannot_take_is_said_once_with_what_to_do(app: App) -> None:
    inbox = app.settings.inbox
    real = drop(app.settings.home, "elsewhere.fit", simple_run(serial=31))
    (inbox / "linked.fit").symlink_to(real)
    (inbox / "a folder").mkdir()
    drop(inbox, "export.fit.gz", b"\x1f\x8b")
    run_pass(app)
    run_pass(app)
    text = log_text(app)
    assert text.count("event=inbox-ignored") == 3
    assert "file=linked.fit" in text
    assert "unpack it" in text
    assert real.exists()
