"""Garmin Connect: the gateway contract (in-memory fake and the real garminconnect client
with HTTP intercepted), faults, and the pull/push use cases. No socket leaves the machine:
the network is blocked for every test here."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from rules.workout import Workout, parse
from sync.adapters.garmin import ConnectGateway
from sync.adapters.garmin_fake import FakeGateway
from sync.adapters.garmin_types import (
    GarminError,
    LoginNeeded,
    RateLimited,
    RemoteActivity,
    Unavailable,
)
from sync.bootstrap import App, bootstrap
from sync.usecases import garmin_sync
from sync.usecases.ingest import ingest_bytes
from sync.usecases.journal import log_readiness, set_profile
from sync.usecases.push import push
from sync.usecases.status import status
from tests.support.connect_server import (
    ConnectServer,
    Fault,
    block_network,
    serve,
    write_tokens,
)
from tests.support.fitbuilder import simple_run

TODAY = date(2026, 11, 10)
SPEC = "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    block_network(monkeypatch)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectServer]:
    yield from serve(monkeypatch)


def zipped(fit: bytes, name: str = "123_ACTIVITY.fit") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, fit)
    return buffer.getvalue()


Seed = Callable[[str, datetime, str, bytes], None]


@pytest.fixture(params=["fake", "connect"])
def gateway_and_seed(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Seed]]:
    if request.param == "fake":
        fake = FakeGateway()

        def seed_fake(activity_id: str, start: datetime, sport: str, original: bytes) -> None:
            fake.add_activity(RemoteActivity(activity_id, start, sport), original)

        yield fake, seed_fake
        return
    srv = request.getfixturevalue("server")
    tokens = tmp_path / "garmin" / "tokens.json"
    write_tokens(tokens)
    yield ConnectGateway.from_tokens(tokens), srv.add_activity


# --- the contract, on both --------------------------------------------------------------------


def test_activities_in_a_date_range_with_their_originals(
    gateway_and_seed: tuple[Any, Seed],
) -> None:
    gw, seed = gateway_and_seed
    start = datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
    seed("101", start, "running", b"zip-101")
    seed("102", start + timedelta(days=5), "running", b"zip-102")
    listed = gw.activities(date(2026, 11, 1), date(2026, 11, 10))
    assert [(a.activity_id, a.start, a.sport) for a in listed] == [("101", start, "running")]
    assert gw.original("101") == b"zip-101"


def test_a_workout_uploads_reads_back_schedules_and_goes(
    gateway_and_seed: tuple[Any, Seed],
) -> None:
    gw, _ = gateway_and_seed
    workout = Workout("w", TODAY, parse(SPEC))
    workout_id = gw.upload_workout(workout, "RB L3 11-10 #1")
    assert gw.find_workout("RB L3 11-10 #1") == workout_id
    from rules.workout import format_spec

    kept = gw.stored_workout(workout_id)
    assert format_spec(kept.steps) == SPEC
    assert kept.sport == "running"
    schedule_id = gw.schedule(workout_id, TODAY)
    assert [(e.schedule_id, e.workout_id) for e in gw.calendar(TODAY)] == [
        (schedule_id, workout_id)
    ]
    assert gw.calendar(TODAY + timedelta(days=1)) == []
    gw.unschedule(schedule_id)
    assert gw.calendar(TODAY) == []
    gw.delete_workout(workout_id)
    assert gw.find_workout("RB L3 11-10 #1") is None


# --- the real client's faults -------------------------------------------------------------------


def connect(tmp_path: Path) -> ConnectGateway:
    tokens = tmp_path / "garmin" / "tokens.json"
    write_tokens(tokens)
    return ConnectGateway.from_tokens(tokens)


def test_the_workout_json_is_what_the_reference_says(server: ConnectServer, tmp_path: Path) -> None:
    gw = connect(tmp_path)
    workout_id = gw.upload_workout(Workout("w", TODAY, parse(SPEC)), "RB")
    sent = server.received[workout_id]
    steps = sent["workoutSegments"][0]["workoutSteps"]
    assert [s["stepOrder"] for s in steps] == [1, 2, 5]
    group = steps[1]
    assert group["type"] == "RepeatGroupDTO"
    assert group["numberOfIterations"] == 5
    assert group["endCondition"] == {"conditionTypeId": 7, "conditionTypeKey": "iterations"}
    assert [c["stepOrder"] for c in group["workoutSteps"]] == [3, 4]
    assert [c["endConditionValue"] for c in group["workoutSteps"]] == [30.0, 270.0]
    assert all(c["childStepId"] == group["childStepId"] for c in group["workoutSteps"])
    assert steps[0]["targetType"] == {"workoutTargetTypeId": 1, "workoutTargetTypeKey": "no.target"}


def test_a_401_after_the_library_refreshes_once_means_login_needed(
    server: ConnectServer, tmp_path: Path
) -> None:
    gw = connect(tmp_path)
    server.refresh.status = 401  # type: ignore[attr-defined]
    server.faults += [Fault("GET", "/workout-service/workouts", 401)] * 2
    with pytest.raises(LoginNeeded):
        gw.find_workout("x")
    assert server.refresh.calls == 1  # type: ignore[attr-defined]


def test_a_429_keeps_its_retry_after(server: ConnectServer, tmp_path: Path) -> None:
    gw = connect(tmp_path)
    server.faults.append(
        Fault(
            "GET",
            "/workout-service/workouts",
            429,
            {"Retry-After": "120"},
            {"message": "slow down"},
        )
    )
    with pytest.raises(RateLimited) as caught:
        gw.find_workout("x")
    assert caught.value.retry_after_s == 120


FAULTS = [
    Fault("GET", "/workout-service/workouts", 500),
    Fault("GET", "/workout-service/workouts", timeout=True),
]


@pytest.mark.parametrize("fault", FAULTS)
def test_5xx_and_timeouts_are_unavailable(
    server: ConnectServer, tmp_path: Path, fault: Fault
) -> None:
    gw = connect(tmp_path)
    server.faults.append(fault)
    with pytest.raises(Unavailable):
        gw.find_workout("x")


def test_refreshed_tokens_are_saved_owner_only(server: ConnectServer, tmp_path: Path) -> None:
    tokens = tmp_path / "garmin" / "tokens.json"
    old = write_tokens(tokens, exp_in_s=60)  # expires within 15 minutes: refreshed on use
    ConnectGateway.from_tokens(tokens)
    assert server.refresh.calls >= 1  # type: ignore[attr-defined]
    assert old not in tokens.read_text()
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600


def test_without_saved_tokens_there_is_no_password_login(tmp_path: Path) -> None:
    with pytest.raises(LoginNeeded, match="runback garmin login"):
        ConnectGateway.from_tokens(tmp_path / "nothing.json")


# --- pull and push ----------------------------------------------------------------------------


def garmin_app(make_app: Callable[..., App]) -> App:
    made = make_app(today=TODAY, timezone="UTC")
    made.clock = lambda: datetime.combine(TODAY, time(9), UTC)  # TODAY is today, not a replay
    return made


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return garmin_app(make_app)


def with_fake(app: App) -> FakeGateway:
    fake = FakeGateway()
    app.garmin = lambda: fake
    return fake


def run_on(day: date, serial: int) -> bytes:
    return simple_run(20, serial=serial, start=datetime.combine(day, datetime.min.time(), UTC))


def test_pull_ingests_new_runs_once_and_skips_other_sports(app: App) -> None:
    fake = with_fake(app)
    day = datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
    fake.add_activity(RemoteActivity("1", day, "running"), zipped(run_on(day.date(), 1)))
    fake.add_activity(RemoteActivity("2", day, "road_biking"), b"never downloaded")
    report = garmin_sync.pull(app)
    assert (report.ingested, report.duplicates, report.rejected) == (1, 0, [])
    assert fake.calls.count("original") == 1
    again = garmin_sync.pull(app)
    assert (again.ingested, again.note) == (0, "nothing new on Garmin Connect")
    assert fake.calls.count("original") == 1
    assert status(app).as_json()["last_pull"] is not None


def test_a_run_that_came_through_the_inbox_too_is_stored_once(app: App) -> None:
    fake = with_fake(app)
    day = datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
    fit = run_on(day.date(), 7)
    ingest_bytes(app, fit, file_name="from-watch.fit", source="inbox")
    fake.add_activity(RemoteActivity("9", day, "running"), zipped(fit, "9_ACTIVITY.fit"))
    report = garmin_sync.pull(app)
    assert (report.ingested, report.duplicates) == (0, 1)


@pytest.mark.parametrize(
    ("original", "reason"),
    [
        (zipped(b"hello", "readme.txt"), "not FIT (readme.txt)"),
        (zipped(zipped(b"x"), "inner.zip"), "another archive (inner.zip)"),
        (zipped(b"\0" * 5_000_000), "zip bomb?"),
        (b"PK\x03\x04garbage", "neither a zip nor a FIT file"),
    ],
)
def test_a_bad_download_is_refused_with_the_reason_and_the_pull_goes_on(
    app: App, original: bytes, reason: str
) -> None:
    fake = with_fake(app)
    day = datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
    fake.add_activity(RemoteActivity("1", day, "running"), original)
    fake.add_activity(
        RemoteActivity("2", day + timedelta(hours=3), "running"), zipped(run_on(day.date(), 2))
    )
    report = garmin_sync.pull(app)
    assert report.ingested == 1
    assert len(report.rejected) == 1
    assert reason in report.rejected[0]


def test_an_activity_garmin_will_not_hand_over_is_refused_and_the_pull_goes_on(app: App) -> None:
    fake = with_fake(app)
    day = datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
    fake.add_activity(RemoteActivity("1", day, "running"), b"")
    fake.add_activity(
        RemoteActivity("2", day + timedelta(hours=3), "running"), zipped(run_on(day.date(), 2))
    )
    real = fake.original

    def original(activity_id: str) -> bytes:
        if activity_id == "1":
            raise GarminError("Garmin Connect: API Error 404 - activity 1")
        return real(activity_id)

    fake.original = original  # type: ignore[method-assign]
    report = garmin_sync.pull(app)
    assert report.ingested == 1
    [refused] = report.rejected
    assert "404" in refused


def test_pull_since_backfills(app: App) -> None:
    fake = with_fake(app)
    old = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
    fake.add_activity(RemoteActivity("5", old, "running"), zipped(run_on(old.date(), 5)))
    assert garmin_sync.pull(app).ingested == 0  # older than the first 30 days
    assert garmin_sync.pull(app, since=date(2026, 8, 1)).ingested == 1


def ready(app: App) -> None:
    set_profile(app, birth_date=date(2026, 6, 1), cleared_on=date(2026, 11, 1))
    log_readiness(app, date(2026, 11, 1), "all", None, None)


def test_push_puts_one_workout_on_the_calendar_even_after_a_crash(app: App) -> None:
    fake = with_fake(app)
    ready(app)
    fake.crash_after.add("upload_workout")
    with pytest.raises(KeyboardInterrupt):
        push(app, "garmin")
    [result] = push(app, "garmin")
    assert result.state == "pushed"
    assert len(fake.workouts) == 1
    assert len(fake.calendar(TODAY)) == 1
    assert fake.calls.count("upload_workout") == 1
    [again] = push(app, "garmin")
    assert again.state == "already"


def test_a_crash_after_scheduling_does_not_schedule_twice(app: App) -> None:
    fake = with_fake(app)
    ready(app)
    fake.crash_after.add("schedule")
    with pytest.raises(KeyboardInterrupt):
        push(app, "garmin")
    assert push(app, "garmin")[0].state == "pushed"
    assert len(fake.calendar(TODAY)) == 1
    assert fake.calls.count("schedule") == 1


def test_a_changed_decision_replaces_the_old_workout_first(app: App) -> None:
    fake = with_fake(app)
    ready(app)
    push(app, "garmin")
    [(old_id, _)] = fake.workouts.items()
    set_profile(app, cleared_on=TODAY)  # a new input: a new decision for the same date
    assert push(app, "garmin")[0].state == "pushed"
    assert old_id not in fake.workouts
    assert len(fake.workouts) == 1
    assert len(fake.calendar(TODAY)) == 1
    assert fake.calls.index("unschedule") < fake.calls.index("delete_workout")


def test_push_through_the_real_client_finds_the_schedule_id_in_the_calendar(
    app: App, server: ConnectServer
) -> None:
    tokens = garmin_sync.token_file(app)
    write_tokens(tokens)
    server.schedule_answer_has_id = False
    ready(app)
    [result] = push(app, "garmin")
    assert result.state == "pushed", result.detail
    [entry] = server.calendar.values()
    assert f"schedule {entry['id']}" in result.detail
    assert status(app).as_json()["garmin"] == "ok"


def test_login_needed_is_remembered_and_stops_calls(app: App) -> None:
    fake = with_fake(app)
    fake.faults.append(LoginNeeded("refused"))
    assert "refused" in garmin_sync.pull(app).note
    assert status(app).as_json()["garmin"] == "login-needed"
    calls = len(fake.calls)
    assert "runback garmin login" in garmin_sync.pull(app).note
    assert len(fake.calls) == calls


def test_a_429_backs_off_and_a_restart_still_waits(app: App) -> None:
    fake = with_fake(app)
    fake.faults.append(RateLimited("too many", retry_after_s=600))
    garmin_sync.pull(app)
    assert status(app).as_json()["garmin"] == "backing-off"
    restarted = bootstrap(app.settings)
    restarted.garmin = lambda: fake
    restarted.clock = app.clock
    calls = len(fake.calls)
    assert "backing off Garmin Connect until" in garmin_sync.pull(restarted).note
    assert len(fake.calls) == calls
    restarted.close()


def test_without_retry_after_the_back_off_doubles(app: App) -> None:
    fake = with_fake(app)
    waits = []
    for _ in range(3):
        fake.faults.append(RateLimited("too many"))
        garmin_sync.pull(app)
        with app.uow() as uow:
            state = uow.repo.garmin_state()
            assert state is not None
            assert state.backoff_until is not None
            waits.append((state.backoff_until - app.clock()).total_seconds())
            uow.repo.set_garmin_state(app.clock(), backoff_until=None)  # time passes
            uow.commit()
    assert [round(w / 60) for w in waits] == [1, 2, 4]


def test_login_saves_only_the_tokens_owner_only_and_never_the_password(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """garminconnect's SSO login is replaced at its entry: it sets tokens as it would."""
    import garminconnect

    from tests.support.connect_server import jwt

    asked: list[str] = []

    def fake_login(self: Any, tokenstore: str | None = None) -> tuple[None, None]:
        asked.append(self.prompt_mfa())
        self.client.di_token = jwt()
        self.client.di_refresh_token = "refresh-9"
        self.client.di_client_id = "GCM_ANDROID_DARK"
        return None, None

    monkeypatch.setattr(garminconnect.Garmin, "login", fake_login)
    garmin_sync.login(app, "her@example.org", "pw-Secret-42", lambda: "123456")
    tokens = garmin_sync.token_file(app)
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    saved = tokens.read_text()
    assert "refresh-9" in saved
    assert "pw-Secret-42" not in saved
    assert "her@example.org" not in saved
    assert asked == ["123456"]
    log = (app.settings.logs / "runback.log").read_text()
    assert "pw-Secret-42" not in log
    assert "event=garmin-login" in log
    assert status(app).as_json()["garmin"] == "ok"


# --- malformed downloads and back-off (issue 13) ------------------------------------------------


def _central(data: bytes) -> int:
    """Offset of the (only) central directory entry of a zip."""
    return data.rindex(b"PK\x01\x02")


def corrupt_deflate(fit: bytes) -> bytes:
    data = bytearray(zipped(fit))
    start = 30 + len("123_ACTIVITY.fit")
    data[start : start + 64] = b"\xff" * 64  # not a deflate stream any more
    return bytes(data)


def bad_crc(fit: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("123_ACTIVITY.fit", fit)
    data = bytearray(buffer.getvalue())
    data[30 + len("123_ACTIVITY.fit") + 100] ^= 0xFF  # one byte changed in transit
    return bytes(data)


def encrypted(fit: bytes) -> bytes:
    data = bytearray(zipped(fit))
    data[_central(data) + 8] |= 0x01  # the "encrypted" flag
    return bytes(data)


def unknown_method(fit: bytes) -> bytes:
    data = bytearray(zipped(fit))
    data[_central(data) + 10 : _central(data) + 12] = (99).to_bytes(2, "little")  # AES
    return bytes(data)


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (corrupt_deflate, "damaged"),
        (bad_crc, "damaged"),
        (encrypted, "encrypted"),
        (unknown_method, "compression"),
    ],
)
def test_a_malformed_download_is_refused_the_next_ones_come_and_it_is_not_fetched_again(
    app: App, mangle: Callable[[bytes], bytes], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = with_fake(app)
    day = datetime(2026, 11, 8, 7, 0, tzinfo=UTC)
    fake.add_activity(RemoteActivity("1", day, "running"), mangle(run_on(day.date(), 1)))
    fake.add_activity(
        RemoteActivity("2", day + timedelta(hours=3), "running"), zipped(run_on(day.date(), 2))
    )
    report = garmin_sync.pull(app)
    assert report.ingested == 1
    [refused] = report.rejected
    assert refused.startswith("garmin-1.fit: ")
    assert words in refused
    fetched = fake.calls.count("original")
    again = garmin_sync.pull(app)
    assert (again.ingested, again.rejected) == (0, [])
    assert fake.calls.count("original") == fetched
    from sync.entrypoints.cli import main

    db = [] if app.settings.database_url is None else ["--db", app.settings.db_url()]
    capsys.readouterr()
    assert main(["--home", str(app.settings.home), *db, "garmin", "status"]) == 0
    shown = capsys.readouterr().out
    assert "refused:    1 download" in shown
    assert words in shown


@pytest.mark.parametrize(
    "fault",
    [
        Unavailable("Garmin Connect is failing (500)"),
        Unavailable("cannot reach Garmin Connect (ReadTimeout)"),
        # Any other refusal (a 400, a read-back that differs) backs off the same way
        # instead of uploading and deleting a workout every pass.
        GarminError("Garmin Connect stored 'walk 1m' instead of the workout"),
    ],
)
def test_5xx_and_timeouts_back_off_doubling_and_a_restart_still_waits(
    app: App, fault: GarminError
) -> None:
    fake = with_fake(app)
    ready(app)
    now = [app.clock()]
    app.clock = lambda: now[0]
    log_file = app.settings.logs / "runback.log"
    fake.faults.append(fault)
    [failed] = push(app, "garmin")
    assert failed.state == "failed"
    calls = len(fake.calls)
    said = log_file.read_text()
    assert (said.count("event=garmin-backoff "), said.count("event=push-failed ")) == (1, 1)
    now[0] += timedelta(seconds=30)  # the next passes, while it backs off: no call, no line
    assert push(app, "garmin")[0].state == "failed"
    assert garmin_sync.pull(app).note.startswith("backing off Garmin Connect until")
    assert status(app).as_json()["garmin"] == "backing-off"
    restarted = bootstrap(app.settings)
    restarted.garmin = lambda: fake
    restarted.clock = app.clock
    assert push(restarted, "garmin")[0].state == "failed"
    restarted.engine.dispose()  # (close() would also close the log this test reads)
    assert len(fake.calls) == calls
    assert log_file.read_text() == said
    failed_at, waits = now[0] - timedelta(seconds=30), []
    for _ in range(3):
        with app.uow() as uow:
            state = uow.repo.garmin_state()
        assert state is not None
        assert state.backoff_until is not None
        waits.append((state.backoff_until - failed_at).total_seconds())
        now[0] = failed_at = state.backoff_until + timedelta(seconds=1)
        if len(waits) < 3:
            fake.faults.append(fault)
            assert push(app, "garmin")[0].state == "failed"
    assert [round(w / 60) for w in waits] == [1, 2, 4]
    assert log_file.read_text().count("event=garmin-backoff ") == 3  # once per fault
    assert push(app, "garmin")[0].state == "pushed"
    assert status(app).as_json()["garmin"] == "ok"
    with app.uow() as uow:
        healed = uow.repo.garmin_state()
    assert healed is not None
    assert (healed.failures, healed.backoff_until) == (0, None)
