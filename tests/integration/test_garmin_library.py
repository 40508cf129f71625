"""Garmin Connect, as her library and watch see it: workouts she can tell apart, walks as
walks, a read back Connect changed never left behind or retried forever, a library that
keeps only what she can use, every page of it read (issue 14, items 5, 6, 9 and 10)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from rules.workout import Workout, parse
from sync.adapters.garmin import ConnectGateway
from sync.adapters.garmin_types import LibraryEntry, NotFound
from sync.bootstrap import App
from sync.usecases.ingest import ingest_bytes
from sync.usecases.journal import record_entry, set_profile
from sync.usecases.push import push
from tests.integration.test_garmin import TODAY, connect, garmin_app, ready, run_on, with_fake
from tests.support.connect_server import ConnectServer, block_network, serve, write_tokens


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    block_network(monkeypatch)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectServer]:
    yield from serve(monkeypatch)


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return garmin_app(make_app)


def real(app: App) -> None:
    from sync.usecases import garmin_sync

    write_tokens(garmin_sync.token_file(app))


def test_the_library_is_read_page_by_page(server: ConnectServer, tmp_path: Any) -> None:
    gw = connect(tmp_path)
    for i in range(230):
        server.workouts[10_000 + i] = {"workoutId": 10_000 + i, "workoutName": f"hers {i}"}
    entries = gw.library()
    assert len(entries) == 230
    pages = [r for r in server.requests_seen if r == "GET /workout-service/workouts"]
    assert len(pages) == 3
    assert gw.find_workout("hers 229") == 10_229


def test_a_server_that_ignores_start_does_not_loop(server: ConnectServer, tmp_path: Any) -> None:
    gw = connect(tmp_path)
    for i in range(100):
        server.workouts[20_000 + i] = {"workoutId": 20_000 + i, "workoutName": f"w{i}"}
    real_route = server.route

    def same_page(method: str, path: str, request: Any) -> Any:
        request.url = request.url.replace("start=100", "start=0")
        return real_route(method, path, request)

    server.route = same_page  # type: ignore[method-assign]
    assert len(gw.library()) == 100


def test_unknown_ids_are_404s_and_what_is_gone_already_is_fine(
    server: ConnectServer, tmp_path: Any
) -> None:
    gw = connect(tmp_path)
    with pytest.raises(NotFound):
        gw.schedule(999, TODAY)
    gw.delete_workout(999)  # she deleted it herself: nothing to do
    gw.unschedule(998)
    with pytest.raises(NotFound):
        gw.stored_workout(997)


def test_a_walk_goes_to_connect_as_a_walking_workout(server: ConnectServer, tmp_path: Any) -> None:
    gw = connect(tmp_path)
    workout_id = gw.upload_workout(Workout("w", TODAY, parse("walk 20m")), "Walk 20m Tue 10")
    sent = server.received[workout_id]
    assert sent["sportType"] == {"sportTypeId": 12, "sportTypeKey": "walking"}
    [step] = sent["workoutSegments"][0]["workoutSteps"]
    assert step["description"] == "Walk"
    kept = gw.stored_workout(workout_id)
    assert kept.sport == "walking"
    assert [(s.kind, s.duration_s) for s in kept.steps] == [("walk", 1200)]  # type: ignore[union-attr]


def test_pushed_workouts_carry_her_names_and_the_reason(app: App, server: ConnectServer) -> None:
    real(app)
    ready(app)
    [result] = push(app, "garmin")
    assert result.state == "pushed", result.detail
    [stored] = server.workouts.values()
    assert stored["workoutName"].startswith("5x30s/4:30 Tu")
    assert stored["workoutName"].endswith(f"(runback {TODAY} #{_latest(app)})")
    with app.uow() as uow:
        decision = uow.repo.latest_decision(TODAY)
    assert decision is not None
    # Connect is a third party's servers: no reason (they may name symptoms) goes there.
    assert stored["description"] == (
        f"runback: run-walk level {decision.level} for {TODAY:%a %d %b %Y}. Why: runback plan."
    )
    for reason in decision.body["reasons"]:
        assert reason not in stored["description"]
    assert "'5x30s/4:30 Tu" in result.detail
    log = (app.settings.logs / "runback.log").read_text()
    assert "event=pushed target=garmin" in log
    assert 'workout="5x30s/4:30 Tu' in log


def test_a_read_back_connect_changed_is_deleted_failed_with_the_reason_and_not_wedged(
    app: App, server: ConnectServer
) -> None:
    real(app)
    ready(app)
    now = [app.clock()]
    app.clock = lambda: now[0]
    server.lap_button_steps = True
    [failed] = push(app, "garmin")
    assert failed.state == "failed"
    assert "a step ends on the lap button" in failed.detail
    assert server.workouts == {}  # nothing it changed stays in her library
    with app.uow() as uow:
        state = uow.repo.garmin_state()
        [row] = uow.repo.garmin_workouts()
    assert state is not None
    assert state.backoff_until is not None
    assert (row.state, row.workout_id) == ("uploading", None)
    log = (app.settings.logs / "runback.log").read_text()
    assert log.count("event=garmin-backoff") == 1
    assert "lap button" in log
    server.lap_button_steps = False  # Connect behaves again
    now[0] = state.backoff_until + timedelta(seconds=1)
    [result] = push(app, "garmin")
    assert result.state == "pushed", result.detail
    assert len(server.workouts) == 1


def test_a_changed_sport_on_read_back_is_refused(app: App) -> None:
    fake = with_fake(app)
    ready(app)
    fake.stores_otherwise = "it is a cycling workout"
    [failed] = push(app, "garmin")
    assert failed.state == "failed"
    assert "cycling" in failed.detail
    assert fake.workouts == {}


def on_day(app: App, day: Any) -> App:
    """The same app a few days earlier or later (its clock too)."""
    from datetime import UTC, datetime, time

    app.settings = app.settings.replace(today=day)
    app.clock = lambda: datetime.combine(day, time(9), UTC)
    return app


def test_the_library_keeps_her_workouts_todays_and_the_days_she_ran(app: App) -> None:
    fake = with_fake(app)
    mine = {}
    for key, name in {
        "hers": "Tempo Tuesday",
        "hers-like": "5x30s/4:30 We 4",  # no tag: hers, however it looks
        "copy": f"Copy of 5x30s/4:30 Mo 2 (runback {TODAY - timedelta(days=8)} #1)",
        "earlier-install": f"5x1m/4m Fr 13 (runback {TODAY + timedelta(days=3)} #2)",
        "earlier-version": "RB L3 11-01 #3",
    }.items():
        mine[key] = fake._new_id()
        fake.workouts[mine[key]] = (name, parse("walk 20m"))
    ready(on_day(app, TODAY - timedelta(days=8)))
    push(app, "garmin")  # a session she did not run
    unused = max(fake.workouts)
    on_day(app, TODAY - timedelta(days=6))
    set_profile(app, cleared_on=TODAY - timedelta(days=6))  # a decision for this day
    push(app, "garmin")
    ran = max(fake.workouts)
    assert ingest_bytes(app, run_on(TODAY - timedelta(days=6), 3), file_name="r.fit",
                        source="inbox").ok  # fmt: skip
    on_day(app, TODAY)
    set_profile(app, cleared_on=TODAY)
    [result] = push(app, "garmin")
    assert result.state == "pushed", result.detail
    current = max(fake.workouts)
    assert unused not in fake.workouts  # past, and she did not run it
    assert {ran, current} <= set(fake.workouts)
    assert set(mine.values()) <= set(fake.workouts)  # hers, copies, other installs: kept
    log = (app.settings.logs / "runback.log").read_text()
    assert "event=garmin-tidied removed=1" in log


def test_a_new_decision_for_a_later_day_removes_the_one_it_replaces(app: App) -> None:
    fake = with_fake(app)
    ready(app)
    push(app, "garmin")
    [(first_id, (first_name, _))] = fake.workouts.items()
    assert fake.calendar(TODAY)
    # She runs today and logs it: the next session is for a later day.
    done = ingest_bytes(app, run_on(TODAY, 8), file_name="today.fit", source="inbox")
    record_entry(app, {"activity": str(done.activity_id), "leak": "none"})
    [result] = push(app, "garmin")
    assert result.state == "pushed", result.detail
    assert first_id in fake.workouts  # she ran today: today's stays, with its calendar entry
    later = [n for n, _ in fake.workouts.values() if n != first_name]
    assert len(later) == 1
    set_profile(app, cleared_on=TODAY)  # another input: that later one is replaced
    push(app, "garmin")
    names = [n for n, _ in fake.workouts.values()]
    assert later[0] not in names
    assert len(names) == 2


def _latest(app: App) -> int:
    with app.uow() as uow:
        latest = uow.repo.latest_decision(app.today())
    assert latest is not None
    return latest.id


def test_the_library_entry_type_is_what_the_gateway_returns(
    server: ConnectServer, tmp_path: Any
) -> None:
    gw: ConnectGateway = connect(tmp_path)
    workout_id = gw.upload_workout(Workout("w", TODAY, parse("walk 5m")), "x")
    assert gw.library() == [LibraryEntry(workout_id, "x")]


def test_nothing_of_her_symptoms_is_sent_to_garmin_connect(app: App, server: ConnectServer) -> None:
    import json

    real(app)
    ready(app)
    done = ingest_bytes(app, run_on(TODAY, 12), file_name="today.fit", source="inbox")
    record_entry(app, {"activity": str(done.activity_id), "leak": "leak", "leak-at": "0:20",
                       "heaviness": "2", "note": "windy"})  # fmt: skip
    [result] = push(app, "garmin")
    assert result.state == "pushed", result.detail
    sent = json.dumps(list(server.received.values())).lower()
    for word in ("leak", "heaviness", "windy", "pain", "bleeding"):
        assert word not in sent
