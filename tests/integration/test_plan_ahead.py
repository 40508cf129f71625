"""`plan --ahead`: the road if every session goes as planned, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sync.usecases.journal import log_readiness, record_entry, set_profile
from sync.usecases.planning import ahead, decision_json, history

BORN = date(2026, 1, 5)
TODAY = date(2026, 4, 6)  # 13 weeks


def ready(make_app: Callable[..., Any]) -> Any:
    app = make_app(today=TODAY, timezone="UTC")
    set_profile(app, birth_date=BORN, delivery="vaginal", cleared_on=TODAY - timedelta(days=3))
    log_readiness(app, TODAY - timedelta(days=2), "all", None, None)
    return app


def test_the_road_climbs_a_level_a_week_and_stores_nothing(make_app: Callable[..., Any]) -> None:
    app = ready(make_app)
    stored = len(history(app))
    road = ahead(app, 12)
    assert len(history(app)) == stored
    assert road[0].on == TODAY
    assert all(TODAY <= d.on < TODAY + timedelta(weeks=12) for d in road)
    assert [d.on for d in road] == sorted(d.on for d in road)
    assert all((b.on - a.on).days >= 2 for a, b in itertools.pairwise(road))
    levels = [d.level for d in road]
    assert levels[0] == 3
    assert levels == sorted(levels)
    for a, b in itertools.pairwise(road):
        assert b.level - a.level <= 1
    ups = [d.on for d in road if "up" in d.flags]
    assert all((b - a).days >= 7 for a, b in itertools.pairwise(ups))
    assert any(d.workout is not None and d.workout.totals.longest_run_s >= 900 for d in road)
    body = decision_json(road[-1])
    assert set(body) == {"date", "phase", "level", "workout", "reasons", "flags"}


def test_while_paused_the_road_is_pause_walks(make_app: Callable[..., Any]) -> None:
    app = ready(make_app)
    record_entry(app, {"date": TODAY.isoformat(), "leak": "none", "bleeding": "yes"})
    road = ahead(app, 4)
    assert road
    assert all(d.phase == "paused" for d in road)
    assert all(d.workout is not None and d.workout.totals.run_s == 0 for d in road)
