"""The USB round trip (issue 14, item 4): with `watch_dir` set and the watch mounted, one
pass takes the runs in GARMIN/Activity not yet seen (since the birth by default) and
puts the next workout in GARMIN/NewFiles, and says so in one log line. A mass-storage
watch and an MTP mount are both a folder here; an MTP mount may show no file times."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

import sync.usecases.watch as watch_use_case
from sync.adapters import reading
from sync.entrypoints.worker import run_once
from sync.usecases.ingest import list_activities
from sync.usecases.journal import log_readiness, set_profile
from sync.usecases.watch import sync_watch
from tests.support.fitbuilder import follow, simple_run

BORN = date(2026, 6, 1)
TODAY = date(2026, 9, 9)  # a Wednesday, 14 weeks after


@pytest.fixture
def watch(tmp_path: Path) -> Path:
    root = tmp_path / "media" / "GARMIN-FR55"
    (root / "GARMIN" / "Activity").mkdir(parents=True)
    return root


def her_app(make_app: Callable[..., Any], watch: Path, **extra: Any) -> Any:
    app = make_app(today=TODAY, timezone="UTC", watch_dir=watch, **extra)
    app.clock = lambda: datetime.combine(TODAY, time(9), UTC)
    set_profile(app, birth_date=BORN, delivery="vaginal", cleared_on=date(2026, 8, 24))
    log_readiness(app, date(2026, 8, 25), "all", None, None)
    return app


def put_run(watch: Path, day: date, serial: int, name: str | None = None, **kw: Any) -> Path:
    start = datetime.combine(day, time(7), UTC)
    path = watch / "GARMIN" / "Activity" / (name or f"{start:%Y-%m-%d-%H-%M-%S}.fit")
    path.write_bytes(simple_run(20, start=start, serial=serial, **kw))
    return path


def log_of(app: Any) -> str:
    return str((app.settings.logs / "runback.log").read_text())


def test_one_pass_takes_the_new_runs_and_puts_the_next_workout_in_newfiles(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    put_run(watch, date(2025, 10, 4), 1)  # before the birth: left on the watch
    run = put_run(watch, TODAY - timedelta(days=2), 2)
    before = (run.read_bytes(), run.stat().st_mtime_ns)
    report = sync_watch(app)
    assert report is not None
    assert [r.state for r in report.results] == ["ingested"]
    assert report.older == 1
    assert len(list_activities(app)) == 1
    newfiles = sorted((watch / "GARMIN" / "NewFiles").iterdir())
    assert [p.name for p in newfiles] == [f"runback-{report.pushed_for}.fit"]
    assert (run.read_bytes(), run.stat().st_mtime_ns) == before  # the watch's file untouched
    lines = [line for line in log_of(app).splitlines() if "event=watch " in line]
    assert len(lines) == 1
    assert (
        f'text="1 new run taken, workout for {report.pushed_for:%m-%d} put in NewFiles"'
        in (lines[0])
    )


def test_a_watch_left_plugged_in_is_not_read_again(
    make_app: Callable[..., Any], watch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = her_app(make_app, watch)
    put_run(watch, TODAY - timedelta(days=2), 2)
    sync_watch(app)
    said = log_of(app)
    reads: list[Path] = []

    def counted(path: Path | str) -> bytes:
        reads.append(Path(path))
        return reading.read_file(path)

    monkeypatch.setattr(watch_use_case, "read_file", counted)
    again = sync_watch(app)
    assert again is not None
    assert again.results == []
    assert [p for p in reads if "Activity" in str(p)] == []
    assert log_of(app) == said  # nothing new: no line


def test_a_run_changed_on_the_watch_is_looked_at_again(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    path = put_run(watch, TODAY - timedelta(days=2), 2)
    sync_watch(app)
    path.write_bytes(simple_run(25, start=datetime.combine(TODAY, time(6), UTC), serial=3))
    report = sync_watch(app)
    assert report is not None
    assert [r.state for r in report.results] == ["ingested"]


def test_an_unplugged_watch_is_nothing_and_a_plugged_one_is_seen(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    mount = tmp_path / "media" / "watch"
    app = her_app(make_app, mount)
    assert sync_watch(app) is None
    (mount / "GARMIN" / "ACTIVITY").mkdir(parents=True)  # some watches write it upper case
    put = mount / "GARMIN" / "ACTIVITY" / "A9C71234.FIT"  # an older watch's file name
    put.write_bytes(simple_run(20, start=datetime.combine(TODAY, time(6), UTC), serial=9))
    report = sync_watch(app)
    assert report is not None
    assert [r.state for r in report.results] == ["ingested"]


def test_an_mtp_mount_without_file_times_still_gives_its_runs(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    path = put_run(watch, TODAY - timedelta(days=1), 4, name="A9D80700.FIT")
    os.utime(path, ns=(0, 0))  # jmtpfs on some devices: 1970
    report = sync_watch(app)
    assert report is not None
    assert [r.state for r in report.results] == ["ingested"]


def test_a_damaged_file_on_the_watch_is_refused_once_and_the_others_come(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    bad = watch / "GARMIN" / "Activity" / "2026-09-06-07-00-00.fit"
    bad.write_bytes(b"\x0e\x10" + b"garbage" * 20)
    put_run(watch, TODAY - timedelta(days=1), 5)
    report = sync_watch(app)
    assert report is not None
    assert sorted(r.state for r in report.results) == ["ingested", "rejected"]
    assert bad.exists()  # nothing she gave is deleted
    again = sync_watch(app)
    assert again is not None
    assert again.results == []
    assert "1 refused" in log_of(app)


def test_old_workouts_in_newfiles_go_and_her_files_stay(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    newfiles = watch / "GARMIN" / "NewFiles"
    newfiles.mkdir()
    (newfiles / "runback-2026-09-01.fit").write_bytes(b"an old workout of runback's")
    (newfiles / "her-course.fit").write_bytes(b"a course she put there")
    report = sync_watch(app)
    assert report is not None
    names = sorted(p.name for p in newfiles.iterdir())
    assert names == sorted(["her-course.fit", f"runback-{report.pushed_for}.fit"])
    assert "no new runs, workout for" in log_of(app)


def test_watch_since_overrides_the_birth(make_app: Callable[..., Any], watch: Path) -> None:
    app = her_app(make_app, watch, watch_since=TODAY - timedelta(days=3))
    put_run(watch, TODAY - timedelta(days=10), 6)
    put_run(watch, TODAY - timedelta(days=1), 7)
    report = sync_watch(app)
    assert report is not None
    assert (len(report.results), report.older) == (1, 1)


def test_the_worker_pass_does_the_round_trip_and_a_structured_run_is_matched(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    from sync.usecases.planning import refresh

    decision, _ = refresh(app)
    assert decision.workout is not None
    day = decision.on
    start = datetime.combine(day, time(7), UTC)
    app.settings = app.settings.replace(today=day)
    app.clock = lambda: datetime.combine(day, time(9), UTC)
    (watch / "GARMIN" / "Activity" / f"{start:%Y-%m-%d-%H-%M-%S}.fit").write_bytes(
        follow(decision.workout.spec, start, serial=31)
    )
    run_once(app)
    with app.uow() as uow:
        [row] = uow.repo.session_rows()
    assert row.runs_planned
    assert row.runs_done == row.runs_planned
    assert "event=watch " in log_of(app)
    pushed = [p.name for p in (watch / "GARMIN" / "NewFiles").iterdir()]
    assert len(pushed) == 1
    assert pushed[0] > f"runback-{day}.fit"  # the session after the one she ran


def test_a_name_that_is_not_utf8_is_taken_like_any_other(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    activity = bytes(watch / "GARMIN" / "Activity")
    start = datetime.combine(TODAY - timedelta(days=2), time(7), UTC)
    Path(os.fsdecode(activity + b"/caf\xe9-run.fit")).write_bytes(
        simple_run(20, start=start, serial=61)
    )
    put_run(watch, TODAY - timedelta(days=1), 62, name="zz-later.fit")
    report = sync_watch(app)
    assert report is not None
    assert [r.state for r in report.results] == ["ingested", "ingested"]
    again = sync_watch(app)
    assert again is not None
    assert again.results == []
    assert 'file="caf\\xe9-run.fit"' in log_of(app)


def test_a_file_that_cannot_be_read_waits_and_the_others_come(
    make_app: Callable[..., Any], watch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = her_app(make_app, watch)
    stuck = put_run(watch, TODAY - timedelta(days=3), 71)
    put_run(watch, TODAY - timedelta(days=2), 72)

    def flaky(path: Path | str) -> bytes:
        if Path(path) == stuck:
            raise OSError(5, "Input/output error")
        return reading.read_file(path)

    monkeypatch.setattr(watch_use_case, "read_file", flaky)
    report = sync_watch(app)
    assert report is not None
    assert ([r.state for r in report.results], report.unreadable) == (["ingested"], 1)
    assert "1 could not be read (tried again next pass)" in log_of(app)
    assert "no new runs" not in log_of(app)
    monkeypatch.setattr(watch_use_case, "read_file", reading.read_file)
    later = sync_watch(app)
    assert later is not None
    assert [r.state for r in later.results] == ["ingested"]


def test_a_read_cut_short_is_tried_again_whole(
    make_app: Callable[..., Any], watch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = her_app(make_app, watch)
    path = put_run(watch, TODAY - timedelta(days=2), 81)
    real = reading.read_file
    monkeypatch.setattr(
        watch_use_case, "read_file", lambda path: real(path)[: len(real(path)) // 2]
    )
    cut = sync_watch(app)
    assert cut is not None
    assert (cut.results, cut.unreadable) == ([], 1)
    monkeypatch.setattr(watch_use_case, "read_file", real)
    whole = sync_watch(app)
    assert whole is not None
    assert [r.state for r in whole.results] == ["ingested"]
    assert path.exists()


def test_runs_left_as_older_are_taken_once_the_birth_date_says_they_belong(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = make_app(today=TODAY, timezone="UTC", watch_dir=watch)
    app.clock = lambda: datetime.combine(TODAY, time(9), UTC)
    put_run(watch, TODAY - timedelta(days=60), 91)  # two months ago: not in the last 30 days
    first = sync_watch(app)
    assert first is not None
    assert (first.results, first.older) == ([], 1)
    set_profile(app, birth_date=BORN)
    second = sync_watch(app)
    assert second is not None
    assert [r.state for r in second.results] == ["ingested"]


def test_an_mtp_mount_without_times_leaves_her_old_history_on_the_watch(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    for i, day in enumerate([date(2021, 4, 1), date(2024, 8, 9), TODAY - timedelta(days=1)]):
        path = put_run(watch, day, 100 + i, name=f"A{i}B{i}0700.FIT")
        os.utime(path, ns=(0, 0))
    report = sync_watch(app)
    assert report is not None
    assert (len(report.results), report.older) == (1, 2)
    assert len(list_activities(app)) == 1


def test_rides_on_the_watch_stay_there_and_are_no_failure(
    make_app: Callable[..., Any], watch: Path
) -> None:
    from sync.usecases.status import status

    app = her_app(make_app, watch)
    put_run(watch, TODAY - timedelta(days=1), 111, sport="cycling")
    report = sync_watch(app)
    assert report is not None
    assert (report.results, report.others) == ([], 1)
    assert status(app).failed == []
    assert "1 other activity (not runs or walks) left on the watch" in log_of(app)


def test_an_upper_case_newfiles_is_the_one_used_and_links_are_left_alone(
    make_app: Callable[..., Any], watch: Path
) -> None:
    app = her_app(make_app, watch)
    (watch / "GARMIN" / "NEWFILES").mkdir()
    (watch / "GARMIN" / "Activity" / "LINK.FIT").symlink_to("/etc/hostname")
    report = sync_watch(app)
    assert report is not None
    assert not (watch / "GARMIN" / "NewFiles").exists() or (watch / "GARMIN" / "NewFiles").samefile(
        watch / "GARMIN" / "NEWFILES"
    )
    assert list((watch / "GARMIN" / "NEWFILES").iterdir())
    sync_watch(app)
    assert log_of(app).count("event=watch-ignored") == 1
