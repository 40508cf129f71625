"""A decision made while replaying a past day (--today in the past) never stands in for
today's: the running worker pushes without deciding again, and must push today's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sync.usecases.inbox_pass import process
from sync.usecases.journal import record_entry, set_profile
from sync.usecases.planning import refresh
from sync.usecases.status import status

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_worker_pushes_todays_decision_not_a_replayed_one(
    make_app: Callable[..., Any],
) -> None:
    app = make_app(timezone="UTC")
    app.clock = lambda: NOW
    set_profile(app, birth_date=date(2026, 6, 1))
    today, _ = refresh(app)
    past = make_app(timezone="UTC", today=date(2026, 8, 3))
    past.clock = lambda: NOW
    record_entry(past, {"leak": "none"})  # stores a decision made for 08-03
    results = process(app, decide=False)
    assert [r.state for r in results] == ["pushed"]
    assert results[0].detail.endswith(f"runback-{today.on}.fit"), results[0].detail
    nxt = status(app).next_workout
    assert nxt is not None
    assert nxt["date"] == today.on.isoformat()
    assert not list(app.settings.outbox.glob("runback-2026-08-*.fit"))
