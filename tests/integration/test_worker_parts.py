"""The worker's parts: work-item claims on SQLite and PostgreSQL, the inbox readiness of
files the filesystem reported closed, and the open-for-writing test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sync.entrypoints.worker import being_written
from sync.usecases.inbox import decide_ready


def test_work_items_are_claimed_once_retried_when_failed_and_reclaimed_when_stale(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    now = app.clock()
    with app.uow() as uow:
        assert uow.repo.enqueue("inbox", "a.fit|1|1", "a.fit", now)
        assert not uow.repo.enqueue("inbox", "a.fit|1|1", "a.fit", now)
        assert uow.repo.enqueue("inbox", "b.fit|1|1", "b.fit", now)
    with app.uow() as one, app.uow() as two:
        first = one.repo.claim("inbox", "w1", now, 300)
        second = two.repo.claim("inbox", "w2", now, 300)
        assert first is not None
        assert second is not None
        assert {first.file_name, second.file_name} == {"a.fit", "b.fit"}
        assert one.repo.claim("inbox", "w1", now, 300) is None
    with app.uow() as uow:
        uow.repo.finish(first.id, "failed", now, "cannot read", now + timedelta(seconds=30))
        assert uow.repo.claim("inbox", "w1", now, 300) is None
        again = uow.repo.claim("inbox", "w1", now + timedelta(seconds=31), 300)
        assert again is not None
        assert (again.id, again.attempts) == (first.id, 2)
        stale = uow.repo.claim("inbox", "w3", now + timedelta(seconds=400), 300)
        assert stale is not None  # the other claim is 400 s old: its worker is gone
        assert uow.repo.release_claims_of(["w1"], now) == 0  # w3 holds it now
        uow.repo.finish(stale.id, "done", now)
        assert uow.repo.work_counts()["done"] == 1
        assert uow.repo.enqueue("inbox", stale.key, stale.file_name, now)  # back in the inbox


def test_a_file_reported_closed_is_ready_at_once() -> None:
    now = 1_000.0
    fresh = {"a.fit": (100, int(now * 1e9))}
    assert decide_ready(fresh, {}, now, 1.0)[0] == []
    assert decide_ready(fresh, {}, now, 1.0, closed={"a.fit"})[0] == ["a.fit"]


def test_being_written_is_true_only_while_someone_holds_the_file_open_for_writing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.fit"
    path.write_bytes(b"data")
    assert not being_written(path)
    with path.open("ab"):
        assert being_written(path)
    assert being_written(tmp_path / "missing.fit")
