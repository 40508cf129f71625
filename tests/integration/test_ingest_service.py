"""Ingest, rebuild and status through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.adapters.rawstore import sha256_of
from sync.usecases import ingest
from sync.usecases.status import status
from tests.support.fitbuilder import (
    T0,
    ActivitySpec,
    Segment,
    build_activity,
    nested_repeats_run,
    run_walk,
    simple_run,
)

RUN = run_walk()


def test_a_new_run_is_stored_once_with_its_raw_bytes(app) -> None:  # type: ignore[no-untyped-def]
    result = ingest.ingest_bytes(app, RUN, file_name="morning.fit", source="inbox")
    assert (result.state, result.activity_id) == ("ingested", 1) or result.state == "ingested"
    [stored] = ingest.list_activities(app)
    assert (stored.source, stored.file_name, stored.sport) == ("inbox", "morning.fit", "running")
    raw = app.raw.path_for(sha256_of(RUN))
    assert raw.read_bytes() == RUN
    assert stat.S_IMODE(raw.stat().st_mode) == 0o600


def test_the_same_bytes_under_another_name_are_a_duplicate(app) -> None:  # type: ignore[no-untyped-def]
    first = ingest.ingest_bytes(app, RUN, file_name="a.fit", source="inbox")
    again = ingest.ingest_bytes(app, RUN, file_name="copy of a.fit", source="file")
    assert again.state == "duplicate"
    assert again.reason == f"duplicate of activity {first.activity_id}"
    assert len(ingest.list_activities(app)) == 1


def test_the_same_recording_with_other_bytes_is_a_duplicate(app) -> None:  # type: ignore[no-untyped-def]
    """Garmin Connect's copy of a run may differ byte for byte from the watch's file."""
    from_watch = simple_run(10, serial=777)
    from_garmin = simple_run(10, serial=777, record_every_s=2)  # same device, same time_created
    assert from_watch != from_garmin
    first = ingest.ingest_bytes(app, from_watch, file_name="watch.fit", source="inbox")
    later = ingest.ingest_bytes(app, from_garmin, file_name="123.fit", source="garmin")
    assert later.state == "duplicate"
    assert later.activity_id == first.activity_id


def test_a_refused_file_is_logged_and_stores_no_activity(app) -> None:  # type: ignore[no-untyped-def]
    result = ingest.ingest_bytes(app, RUN[:500], file_name="cut.fit", source="inbox")
    assert result.state == "rejected"
    assert result.reason == f"truncated: ends at byte 500 of {len(RUN)}"
    assert ingest.list_activities(app) == []
    with app.uow() as uow:
        [entry] = uow.repo.ingest_log()
    assert (entry.file_name, entry.state, entry.reason) == ("cut.fit", "rejected", result.reason)
    assert not any(app.raw.all())


def test_a_run_whose_recorded_workout_is_too_big_is_stored_and_the_workout_ignored(  # type: ignore[no-untyped-def]
    app, home: Path
) -> None:
    data = nested_repeats_run(levels=3, count=100)
    assert len(data) < 20_000
    result = ingest.ingest_bytes(app, data, file_name="nested.fit", source="inbox")
    assert result.state == "ingested"
    with app.uow() as uow:
        stored = uow.repo.match_of(result.activity_id)
    assert stored is None or stored.intervals == ()
    log = (home / "logs" / "runback.log").read_text()
    assert "event=workout-ignored file=nested.fit" in log
    assert "expands to 1000000 steps (repeats counted); at most 500" in log


def test_status_counts_and_lists_failures(app) -> None:  # type: ignore[no-untyped-def]
    ingest.ingest_bytes(app, RUN, file_name="good.fit", source="inbox")
    ingest.ingest_bytes(app, b"nope", file_name="bad.fit", source="inbox")
    (app.settings.inbox / "waiting.fit").write_bytes(RUN)
    body = status(app).as_json()
    assert body["activities"] == 1
    assert body["pending"] == 1
    assert body["failed"][0]["file"] == "bad.fit"
    assert body["failed"][0]["reason"].startswith("not a FIT file")
    assert body["last_ingest"].endswith("Z")
    assert body["garmin"] == "not-connected"
    assert body["next_workout"] is None


def test_rebuild_gives_back_the_same_activities(app, home: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        data = build_activity(
            ActivitySpec([Segment("run", 60 + i)], serial=100 + i, start=T0 + timedelta(days=i))
        )
        ingest.ingest_bytes(app, data, file_name=f"run{i}.fit", source="inbox")
    before = ingest.list_activities(app)
    # the database forgets everything about activities ...
    from sqlalchemy import delete

    from sync.adapters.store import schema

    with app.uow() as uow:
        uow.conn.execute(delete(schema.ingest_log))
        uow.conn.execute(delete(schema.lap))
        uow.conn.execute(delete(schema.activity))
        uow.commit()
    assert ingest.list_activities(app) == []
    report = ingest.rebuild(app)
    assert (report.created, report.refreshed, report.problems) == (3, 0, [])
    after = ingest.list_activities(app)

    def key(a):  # type: ignore[no-untyped-def]
        return (
            a.start,
            a.sport,
            a.source,
            a.file_name,
            a.sha256,
            a.timer_s,
            a.distance_m,
            a.device_serial,
            a.time_created,
        )

    assert [key(a) for a in after] == [key(a) for a in before]
    # ... and a second rebuild refreshes the same rows, keeping their ids
    again = ingest.rebuild(app)
    assert (again.created, again.refreshed) == (0, 3)
    assert [a.id for a in ingest.list_activities(app)] == [a.id for a in after]


def test_rebuild_skips_a_raw_file_damaged_on_disk(app) -> None:  # type: ignore[no-untyped-def]
    ingest.ingest_bytes(app, RUN, file_name="a.fit", source="inbox")
    path = app.raw.path_for(sha256_of(RUN))
    os.chmod(path, 0o600)
    path.write_bytes(RUN[:-10])
    report = ingest.rebuild(app)
    assert report.created == 0
    assert "does not match its hash" in report.problems[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_rebuild_says_which_folder_of_the_store_it_could_not_read(  # type: ignore[no-untyped-def]
    app, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A folder of the raw store that cannot be listed (its permissions, a failing disk)
    is a problem of the rebuild, not passed over: she is told her runs may be missing."""
    from sync.adapters import rawstore

    shas = []
    for i in range(3):
        data = simple_run(5, serial=500 + i, start=T0 + timedelta(days=i))
        ingest.ingest_bytes(app, data, file_name=f"run{i}.fit", source="inbox")
        shas.append(sha256_of(data))
    locked = app.raw.path_for(shas[1]).parent
    real = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(rawstore.os, "scandir", scandir)
    report = ingest.rebuild(app, jobs=jobs)
    assert f"raw/{locked.name}: cannot read this folder (Permission denied)" in report.problems
    assert report.refreshed == sum(1 for sha in shas if app.raw.path_for(sha).parent != locked)


@pytest.mark.parametrize("name", ["inbox", "archive", "quarantine", "outbox", "raw", "logs"])
def test_home_and_its_folders_are_owner_only(app, home: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / name).stat().st_mode) == 0o700
