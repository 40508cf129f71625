"""Half a year of her programme played through the service layer, for the report tests:
runs she did as runback prescribed them (FIT files built by following each workout),
entries with leaking now and then (in run intervals, and once in a walk), and her
watch's history from before the birth. The weeks cross New Year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rules.workout import flatten, parse
from sync.usecases.ingest import ingest_bytes
from sync.usecases.journal import log_readiness, record_entry, set_profile
from sync.usecases.planning import refresh
from tests.support.fitbuilder import follow, simple_run

BORN = date(2025, 9, 1)
CLEARED = BORN + timedelta(weeks=12)  # 2025-11-24
RUN_DAYS = (0, 2, 5)
BEFORE_BIRTH = [date(2014, 5, 3), date(2019, 3, 9), date(2024, 12, 28), date(2025, 6, 14)]


def at(app: Any, day: date) -> Any:
    app.settings = app.settings.replace(today=day)
    return app


def leak_timer(spec: str, run_number: int, into_s: int) -> tuple[str, int] | None:
    """The workout timer `into_s` seconds into run interval `run_number` (or the last)."""
    t, n, last = 0, 0, None
    for step in flatten(parse(spec)):
        if step.kind == "run":
            n += 1
            last = (t, step.duration_s)
            if n == run_number:
                break
        t += step.duration_s
    if last is None:
        return None
    start, length = last
    into = min(into_s, length - 1)
    return f"{(start + into) // 60}:{(start + into) % 60:02d}", into


def play(app: Any, weeks: int = 26) -> dict[str, int]:
    """Her half year; counts of what was stored, for the test to check against."""
    set_profile(at(app, CLEARED), birth_date=BORN, delivery="vaginal", cleared_on=CLEARED)
    log_readiness(at(app, CLEARED), CLEARED, "all", None, None)
    for i, day in enumerate(BEFORE_BIRTH):
        start = datetime.combine(day, time(8), UTC)
        data = simple_run(95 if i == 1 else 40, start=start, serial=50_000 + i, record_every_s=5)
        assert ingest_bytes(at(app, CLEARED), data, file_name=f"{day}.fit", source="inbox").ok
    day, end, serial, runs, leaks = CLEARED, CLEARED + timedelta(weeks=weeks), 60_000, 0, 0
    while day < end:
        decision, _ = refresh(at(app, day))
        if decision.workout is None:
            break
        on = max(day, decision.on)
        while on.weekday() not in RUN_DAYS:
            on += timedelta(days=1)
        if on >= end:
            break
        serial += 1
        start = datetime.combine(on, time(6, 45), UTC)
        data = follow(decision.workout.spec, start, serial=serial, record_every_s=5)
        done = ingest_bytes(at(app, on), data, file_name=f"{on}.fit", source="inbox")
        assert done.state == "ingested", done.reason
        runs += 1
        entry = {"activity": str(done.activity_id), "leak": "none"}
        week = (on - CLEARED).days // 7
        if week in (5, 6, 12) and on.weekday() == 2 and decision.workout.totals.run_s:
            found = leak_timer(decision.workout.spec, 3, 40 + 10 * week)
            if found:
                entry |= {"leak": "leak", "leak-at": found[0]}
                leaks += 1
        if week == 9 and on.weekday() == 0:  # a leak she noticed while walking
            entry |= {"leak": "drops", "leak-at": "1:30"}
        record_entry(at(app, on), entry)
        day = on + timedelta(days=1)
    refresh(at(app, day))
    return {"runs": runs, "leaks": leaks, "before_birth": len(BEFORE_BIRTH)}
