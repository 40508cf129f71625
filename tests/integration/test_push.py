"""Pushing the next workout: to the outbox and a mounted watch, once per decision, with
failures kept and tried again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from sync.bootstrap import App
from sync.usecases.journal import log_readiness, set_profile
from sync.usecases.push import push

TODAY = date(2026, 11, 2)


@pytest.fixture
def ready_app(make_app: Callable[..., App], tmp_path: Path) -> App:
    app = make_app(today=TODAY, timezone="UTC", watch_dir=tmp_path / "watch")
    app.clock = lambda: datetime.combine(TODAY, time(9), UTC)  # TODAY is today, not a replay
    set_profile(app, birth_date=date(2026, 6, 1), cleared_on=date(2026, 11, 1))
    log_readiness(app, date(2026, 11, 1), "all", None, None)
    return app


def test_the_workout_goes_to_the_outbox_once(ready_app: App) -> None:
    [first] = push(ready_app, "outbox")
    assert first.state == "pushed"
    path = Path(first.detail)
    assert path == ready_app.settings.outbox / "runback-2026-11-02.fit"
    assert path.read_bytes()[8:12] == b".FIT"
    [again] = push(ready_app, "outbox")
    assert (again.state, again.detail) == ("already", first.detail)


def test_an_unmounted_watch_fails_and_is_tried_again_once_mounted(ready_app: App) -> None:
    [failed] = push(ready_app, "watch")
    assert failed.state == "failed"
    assert "no watch mounted at" in failed.detail
    (ready_app.settings.watch_dir / "GARMIN").mkdir(parents=True)  # type: ignore[operator]
    [done] = push(ready_app, "watch")
    assert done.state == "pushed"
    assert Path(done.detail).parent.name == "NewFiles"
    with ready_app.uow() as uow:
        decision = uow.repo.latest_decision()
        assert decision is not None
        record = uow.repo.push_of(decision.id, "watch")
    assert record is not None
    assert (record.state, record.attempts) == ("done", 2)


def test_default_targets_and_a_dry_run_that_writes_nothing(ready_app: App) -> None:
    results = push(ready_app, dry_run=True)
    assert [(r.target, r.state) for r in results] == [
        ("outbox", "would-push"),
        ("watch", "would-push"),
    ]
    assert list(ready_app.settings.outbox.iterdir()) == []


def test_garmin_without_a_login_fails_with_what_to_do(ready_app: App) -> None:
    [result] = push(ready_app, "garmin")
    assert result.state == "failed"
    assert "runback garmin login" in result.detail


def test_a_new_decision_is_pushed_again(ready_app: App) -> None:
    push(ready_app, "outbox")
    set_profile(ready_app, cleared_on=TODAY)  # a new input: decided again, stored anew
    with ready_app.uow() as uow:
        decisions = uow.repo.decisions()
    assert len({d.digest for d in decisions}) == len(decisions)
    [result] = push(ready_app, "outbox")
    assert result.state == "pushed"


def test_an_unplugged_watch_is_said_once_not_on_every_pass(ready_app: App) -> None:
    for _ in range(3):
        assert push(ready_app, "watch")[0].state == "failed"
    log = (ready_app.settings.logs / "runback.log").read_text()
    [line] = [x for x in log.splitlines() if "event=push-failed" in x]
    assert " warning " in line
    assert "will push when it is" in line
    (ready_app.settings.watch_dir / "GARMIN").mkdir(parents=True)  # type: ignore[operator]
    assert push(ready_app, "watch")[0].state == "pushed"
    log = (ready_app.settings.logs / "runback.log").read_text()
    assert len([x for x in log.splitlines() if " info event=pushed target=watch" in x]) == 1
