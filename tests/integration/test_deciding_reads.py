"""Issue 16: what deciding again reads in bulk (summed and counted by the database,
decisions without their bodies, a season assessed in one pass) is exactly what the
row-by-row reading gave, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.symptoms import LeakPoint, SymptomEntry, SymptomThresholds, assess, merged
from sync.insights import assessed
from sync.planning import refresh
from sync.service import ingest_bytes
from sync.store.journal import StoredEntry
from tests.support.fitbuilder import T0, run_walk, simple_run


def test_run_seconds_and_interval_counts_match_the_stored_rows(app: Any) -> None:
    files = [run_walk(), run_walk(4, 60, 240, serial=8), simple_run(12, serial=9)]
    for i, data in enumerate(files):
        ingest_bytes(app, data, file_name=f"r{i}.fit", source="file")
    with app.uow() as uow:
        ids = [a.id for a in uow.repo.activities()]
        run_s = uow.repo.run_seconds_by_activity()
        summaries = uow.repo.match_summaries()
        for activity_id in ids:
            runs = [b for b in uow.repo.bouts(activity_id) if b.kind == "run"]
            assert run_s.get(activity_id, 0) == sum(b.duration_s for b in runs)
            stored = uow.repo.match_of(activity_id)
            if stored is None:
                assert activity_id not in summaries
                continue
            run_steps = [i for i in stored.intervals if i.kind == "run"]
            got = summaries[activity_id]
            assert (got.runs_planned, got.runs_done, got.runs_missed) == (
                len(run_steps),
                sum(i.status == "done" for i in run_steps),
                sum(i.status == "missed" for i in run_steps),
            )
        assert any(run_s.values())


def test_decisions_are_read_in_date_order_without_their_bodies(app: Any) -> None:
    from sync.journal import log_readiness, set_profile

    set_profile(app, birth_date=date(2026, 6, 1), delivery="vaginal", cleared_on=date(2026, 9, 1))
    log_readiness(app, date(2026, 9, 2), "all", None, None)
    refresh(app)
    with app.uow() as uow:
        full = sorted(uow.repo.decisions(), key=lambda d: (d.on, d.id))
        lean = uow.repo.given()
    assert [(g.on, g.id, g.phase, g.level, g.spec) for g in lean] == [
        (d.on, d.id, d.phase, d.level, d.spec) for d in full
    ]
    assert lean


# --- a season assessed in one pass equals each entry assessed against all before it -----


class _Repo:
    def __init__(self, stored: list[StoredEntry]) -> None:
        self.stored = stored

    def entries(self) -> list[StoredEntry]:
        return self.stored


class _Uow:
    def __init__(self, stored: list[StoredEntry]) -> None:
        self.repo = _Repo(stored)


def naive(stored: list[StoredEntry], th: SymptomThresholds) -> list[tuple[int, Any]]:
    """What insights.assessed did before issue 16: every entry against a fresh scan."""
    per_run: dict[int, list[tuple[int, SymptomEntry]]] = {}
    days = []
    for s in stored:
        if s.entry.activity_id is not None:
            per_run.setdefault(s.entry.activity_id, []).append((s.id, s.entry))
        else:
            days.append((s.id, s.entry))
    latest = {r: (p[-1][0], merged([e for _, e in p])) for r, p in per_run.items()}
    runs = sorted(latest.values(), key=lambda pair: (pair[1].on, pair[0]))
    out, history = [], []
    for entry_id, entry in runs:
        out.append((entry_id, assess(entry, history, th)))
        history.append(entry)
    for entry_id, entry in days:
        out.append((entry_id, assess(entry, [e for e in history if e.on <= entry.on], th)))
    return out


ENTRY = st.tuples(
    st.integers(0, 40),  # day
    st.one_of(st.none(), st.integers(1, 12)),  # the run it belongs to, or a day entry
    st.sampled_from(["none", "drops", "leak"]),
    st.one_of(st.none(), st.integers(1, 900)),  # seconds into the run interval of a leak
    st.integers(0, 6),  # pain
    st.integers(0, 3),  # heaviness
    st.booleans(),  # pain the next day
)


@settings(max_examples=150, deadline=None)
@given(st.lists(ENTRY, max_size=30), st.integers(1, 5))
def test_a_season_assessed_in_one_pass_is_each_entry_against_all_before_it(
    rows: list[tuple[Any, ...]], trend_sessions: int
) -> None:
    th = SymptomThresholds(trend_sessions=trend_sessions)
    stored = []
    for n, (day, run, leak, into, pain, heaviness, next_day) in enumerate(rows, start=1):
        on = date(2026, 9, 1) + timedelta(days=day)
        point = None
        if leak != "none" and into is not None and run is not None:
            at = datetime.combine(on, T0.timetz()) + timedelta(seconds=into)
            point = LeakPoint(at, 2, 1, "run", into, into)
        entry = SymptomEntry(
            on=on, leak=leak, pain=pain, heaviness=heaviness, pain_next_day=next_day,
            activity_id=run, leak_point=point,
        )  # fmt: skip
        stored.append(StoredEntry(n, entry, "cli", T0))
    stored.sort(key=lambda s: (s.entry.on, s.id))
    fast = [(a.entry_id, a.assessment) for a in assessed(_Uow(stored), th)]  # type: ignore[arg-type]
    assert fast == naive(stored, th)
