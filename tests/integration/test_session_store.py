"""At ingest the bouts, pauses and (when a plan is known) the match are stored with the
activity, on SQLite and PostgreSQL; rebuild re-derives them; an older database upgrades."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from sync.adapters.store.db import current_revision, make_engine, migrate
from sync.adapters.store.schema import SCHEMA_REVISION
from sync.usecases import ingest
from tests.support.fitbuilder import (
    FIRST_LEVEL_SPEC,
    FIRST_LEVEL_STEPS,
    T0,
    ActivitySpec,
    Segment,
    build_activity,
    first_level_segments,
)


def structured_with_pause() -> bytes:
    segments = first_level_segments()
    walk = segments[4]
    segments[4:5] = [
        replace(walk, duration_s=100),
        Segment("pause", 360),
        replace(walk, duration_s=170, new_lap=False),
    ]
    spec = ActivitySpec(
        segments, laps_per_segment=True, workout_name="L1", workout_steps=FIRST_LEVEL_STEPS
    )
    return build_activity(spec)


def test_a_structured_run_is_stored_with_its_match(app) -> None:  # type: ignore[no-untyped-def]
    result = ingest.ingest_bytes(app, structured_with_pause(), file_name="l1.fit", source="inbox")
    with app.uow() as uow:
        stored = uow.repo.match_of(result.activity_id)
        bouts = uow.repo.bouts(result.activity_id)
        pauses = uow.repo.pauses(result.activity_id)
    assert stored is not None
    assert stored.plan_spec == FIRST_LEVEL_SPEC
    assert (stored.plan_source, stored.path) == ("file", "laps")
    assert [r.status for r in stored.intervals] == ["done"] * 12
    assert stored.intervals[1].start == T0 + timedelta(seconds=300)
    assert stored.compliance.run_intervals_done == 5
    assert [b.kind for b in bouts] == ["walk", "run"] * 2 + ["walk", "walk", "run"] + [
        "walk",
        "run",
    ] * 2 + ["walk"]
    assert [(p.end - p.start).total_seconds() for p in pauses] == [360.0]


def test_a_freestyle_run_without_a_plan_keeps_its_bouts_but_no_match(app) -> None:  # type: ignore[no-untyped-def]
    data = build_activity(ActivitySpec(first_level_segments(structured=False)))
    result = ingest.ingest_bytes(app, data, file_name="free.fit", source="inbox")
    with app.uow() as uow:
        assert uow.repo.match_of(result.activity_id) is None
        assert len(uow.repo.bouts(result.activity_id)) == 11


def test_rebuild_re_derives_bouts_and_matches(app) -> None:  # type: ignore[no-untyped-def]
    result = ingest.ingest_bytes(app, structured_with_pause(), file_name="l1.fit", source="inbox")
    with app.uow() as uow:
        uow.conn.execute(text("DELETE FROM match_interval"))
        uow.conn.execute(text("DELETE FROM activity_match"))
        uow.conn.execute(text("DELETE FROM bout"))
        uow.commit()
    report = ingest.rebuild(app)
    assert (report.created, report.refreshed) == (0, 1)
    with app.uow() as uow:
        stored = uow.repo.match_of(result.activity_id)
        assert stored is not None
        assert len(stored.intervals) == 12
        assert uow.repo.bouts(result.activity_id)


def test_a_database_at_the_first_revision_upgrades_and_keeps_its_rows(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from sync.adapters.store.db import _MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text("INSERT INTO athlete (id, name, created_at) VALUES (1, 'default', :t)"),
            {"t": T0.replace(tzinfo=None)},
        )
    assert current_revision(engine) == "0001"
    migrate(engine)
    assert current_revision(engine) == SCHEMA_REVISION
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT name FROM athlete")).scalar() == "default"
        assert conn.execute(text("SELECT count(*) FROM activity_match")).scalar() == 0
    engine.dispose()
