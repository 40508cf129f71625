"""Issue 16: what deciding again reads in bulk (summed and counted by the database,
decisions without their bodies, a season assessed in one pass) is exactly what the
row-by-row reading gave, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.symptoms import LeakPoint, SymptomEntry, SymptomThresholds, assess, merged
from sync.adapters.store.journal import StoredEntry
from sync.usecases.ingest import ingest_bytes
from sync.usecases.insights import assessed
from tests.support.fitbuilder import T0, follow, run_walk, simple_run


def test_each_runs_seconds_and_step_counts_are_what_its_rows_say(app: Any) -> None:
    """session_rows() reads what save_session kept with each run; it equals the sum of
    its run bouts and the count of its run steps, done and missed."""
    spec = "walk 5m, 4x(run 1m, walk 4m), walk 5m"
    later = T0 + timedelta(days=1)
    files = [
        run_walk(),
        follow(spec, later, serial=8, run_for={2: 20, 3: 0}),  # one short, one missed
        simple_run(12, serial=9),
    ]
    for i, data in enumerate(files):
        ingest_bytes(app, data, file_name=f"r{i}.fit", source="file")
    with app.uow() as uow:
        rows = uow.repo.session_rows()
        assert [r.runs_missed for r in rows if r.plan_spec == spec] == [1]
        assert [r.activity_id for r in rows] == [a.id for a in uow.repo.activities()]
        for row in rows:
            runs = [b for b in uow.repo.bouts(row.activity_id) if b.kind == "run"]
            assert row.run_s == sum(b.duration_s for b in runs)
            stored = uow.repo.match_of(row.activity_id)
            if stored is None:
                assert (row.plan_spec, row.runs_planned, row.runs_done) == (None, None, None)
                continue
            run_steps = [i for i in stored.intervals if i.kind == "run"]
            assert row.plan_spec == stored.plan_spec
            assert (row.runs_planned, row.runs_done, row.runs_missed) == (
                len(run_steps),
                sum(i.status == "done" for i in run_steps),
                sum(i.status == "missed" for i in run_steps),
            )
        assert any(r.run_s for r in rows)
        assert any(r.runs_planned for r in rows)


def test_what_she_was_given_is_the_last_decision_for_each_date(app: Any) -> None:
    """given() keeps the decision made last for each session date (deciding again makes
    one per change); latest_digest() is the digest of latest_decision()."""
    made = [  # (made for, session on, level): made out of date order on purpose
        (date(2026, 9, 1), date(2026, 9, 3), 1),
        (date(2026, 9, 2), date(2026, 9, 3), 2),
        (date(2026, 9, 4), date(2026, 9, 6), 3),
        (date(2026, 9, 3), date(2026, 9, 5), 4),
        (date(2026, 9, 4), date(2026, 9, 5), 5),
    ]
    with app.uow() as uow:
        for n, (made_for, on, level) in enumerate(made):
            body = {
                "date": on.isoformat(), "phase": "run-walk", "level": level,
                "workout": {"spec": f"run {level}m"}, "reasons": [], "flags": [],
            }  # fmt: skip
            uow.repo.add_decision(
                made_at=T0, made_for=made_for, body=body, inputs={}, digest=f"d{n}"
            )
        uow.commit()
    with app.uow() as uow:
        lean = uow.repo.given()
        assert [(g.on, g.level, g.spec) for g in lean] == [
            (date(2026, 9, 3), 2, "run 2m"),
            (date(2026, 9, 5), 5, "run 5m"),
            (date(2026, 9, 6), 3, "run 3m"),
        ]
        for as_of in (date(2026, 9, 2), date(2026, 9, 3), date(2026, 9, 30)):
            latest = uow.repo.latest_decision(as_of)
            assert uow.repo.latest_digest(as_of) == latest.digest
        assert uow.repo.latest_digest(date(2026, 9, 4)) == "d4"  # latest made for the day
        assert uow.repo.latest_digest(date(2026, 8, 31)) is None  # none made so early


# --- a season assessed in one pass equals each entry assessed against all before it -----


class _Repo:
    def __init__(self, stored: list[StoredEntry]) -> None:
        self.stored = stored

    def entries_to_assess(self) -> list[tuple[int, SymptomEntry]]:
        return [(s.id, s.entry) for s in self.stored]


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


def test_entries_are_read_back_field_for_field(app: Any) -> None:
    """entries() builds each SymptomEntry positionally from the stored columns: every
    field, the leak point included, comes back as it was written."""
    from dataclasses import fields

    from sync.adapters.store.journal import _ENTRY_FIELDS
    from sync.usecases.journal import entry_key

    assert tuple(f.name for f in fields(SymptomEntry))[1:-1] == _ENTRY_FIELDS
    ingest_bytes(app, run_walk(), file_name="r.fit", source="file")
    with app.uow() as uow:
        activity_id = uow.repo.activities()[0].id
        point = LeakPoint(T0 + timedelta(seconds=400), 3, 2, "run", 40, 100)
        written = [
            SymptomEntry(
                on=date(2026, 9, 3), leak="drops", leak_at_s=400, heaviness=2, pain=1,
                pain_next_day=True, bleeding=False, rpe=6, fatigue=3, breathing="ok",
                fluid_ml=500, slept_h=6.5, urgency=True, bowel="urgency", note="ñ ok",
                activity_id=activity_id, leak_point=point,
            ),
            SymptomEntry(on=date(2026, 9, 4), leak="none", bleeding=True),
        ]  # fmt: skip
        for entry in written:
            uow.repo.add_entry(entry, source="cli", key=entry_key(entry), at=T0)
        uow.commit()
    with app.uow() as uow:
        read = [s.entry for s in uow.repo.entries()]
    assert read == written
    assert [e.leak_point for e in read] == [point, None]
    assert [type(e.bleeding) for e in read] == [bool, bool]


def test_a_0009_store_upgrades_with_each_runs_seconds_and_missed_steps_filled(app: Any) -> None:
    """Migration 0010 fills run_s and run steps missed of the runs stored before it from
    their bouts and steps: the same figures save_session keeps now (SQLite, PostgreSQL)."""
    from alembic import command
    from alembic.config import Config

    from sync.adapters.store.db import _MIGRATIONS, current_revision, migrate
    from sync.adapters.store.schema import SCHEMA_REVISION

    spec = "walk 5m, 4x(run 1m, walk 4m), walk 5m"
    files = [follow(spec, T0, serial=8, run_for={1: 0, 4: 0}), simple_run(12, serial=9)]
    for i, data in enumerate(files):
        ingest_bytes(app, data, file_name=f"r{i}.fit", source="file")
    with app.uow() as uow:
        kept = uow.repo.session_rows()
    assert [r.runs_missed for r in kept if r.plan_spec == spec] == [2]
    assert all(r.run_s > 0 for r in kept)
    with app.engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
    assert current_revision(app.engine) == "0009"
    migrate(app.engine)
    assert current_revision(app.engine) == SCHEMA_REVISION
    with app.uow() as uow:
        assert uow.repo.session_rows() == kept
