"""The store, the same tests on SQLite and PostgreSQL (each test in its own schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from sync.adapters.fitfile import read_activity
from sync.adapters.store.db import current_revision, make_engine, migrate
from sync.adapters.store.repository import Duplicate, ensure_athlete, unit_of_work
from sync.adapters.store.schema import SCHEMA_REVISION, metadata
from tests.support.fitbuilder import ActivitySpec, Segment, build_activity

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LAPPED = read_activity(
    build_activity(
        ActivitySpec(
            [
                Segment("walk", 60, 0, "warmup"),
                Segment("run", 30, 1, "active"),
                Segment("walk", 60, 2, "recovery"),
            ],
            laps_per_segment=True,
        )
    )
)


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


def test_migrations_create_exactly_the_declared_schema(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert current_revision(engine) == SCHEMA_REVISION


def test_the_schema_revision_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sync.adapters.store.db import _MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def test_migrating_twice_changes_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    migrate(engine)
    assert current_revision(engine) == SCHEMA_REVISION


def test_an_activity_round_trips_with_utc_times_and_laps(engine) -> None:  # type: ignore[no-untyped-def]
    athlete = ensure_athlete(engine, "default", NOW)
    with unit_of_work(engine, athlete) as uow:
        new_id = uow.repo.add_activity(
            LAPPED, sha256="a" * 64, source="inbox", file_name="run.fit", at=NOW
        )
        uow.commit()
    with unit_of_work(engine, athlete) as uow:
        [stored] = uow.repo.activities()
        laps = uow.repo.laps(new_id)
    assert stored.id == new_id
    assert stored.start == LAPPED.start
    assert stored.start.tzinfo is not None
    assert stored.timer_s == LAPPED.timer_s
    assert [lap["wkt_step_index"] for lap in laps] == [0, 1, 2]
    assert [lap["intensity"] for lap in laps] == ["warmup", "active", "recovery"]
    assert laps[0]["start_utc"] == LAPPED.laps[0].start


def test_nothing_is_kept_unless_the_unit_of_work_commits(engine) -> None:  # type: ignore[no-untyped-def]
    athlete = ensure_athlete(engine, "default", NOW)

    def crash_halfway() -> None:
        with unit_of_work(engine, athlete) as uow:
            uow.repo.add_activity(LAPPED, sha256="b" * 64, source="file", file_name="x.fit", at=NOW)
            raise RuntimeError("crash halfway")

    with pytest.raises(RuntimeError):
        crash_halfway()
    with unit_of_work(engine, athlete) as uow:
        assert uow.repo.count_activities() == 0


def test_the_same_content_twice_is_refused_by_the_database(engine) -> None:  # type: ignore[no-untyped-def]
    athlete = ensure_athlete(engine, "default", NOW)
    with unit_of_work(engine, athlete) as uow:
        uow.repo.add_activity(LAPPED, sha256="c" * 64, source="file", file_name="x.fit", at=NOW)
        uow.commit()
    with pytest.raises(Duplicate), unit_of_work(engine, athlete) as uow:
        uow.repo.add_activity(LAPPED, sha256="c" * 64, source="file", file_name="y.fit", at=NOW)


def test_lookups_by_hash_and_by_device_recording(engine) -> None:  # type: ignore[no-untyped-def]
    athlete = ensure_athlete(engine, "default", NOW)
    act = read_activity(build_activity(ActivitySpec([Segment("run", 60)], serial=42)))
    with unit_of_work(engine, athlete) as uow:
        new_id = uow.repo.add_activity(
            act, sha256="d" * 64, source="garmin", file_name="g.fit", at=NOW, source_id="123456"
        )
        uow.commit()
    with unit_of_work(engine, athlete) as uow:
        assert uow.repo.activity_id_by_sha("d" * 64) == new_id
        assert uow.repo.activity_id_by_device(42, act.time_created) == new_id
        assert uow.repo.activity_id_by_device(43, act.time_created) is None
        assert uow.repo.activity_id_by_device(None, None) is None


def test_rows_belong_to_their_athlete(engine) -> None:  # type: ignore[no-untyped-def]
    first = ensure_athlete(engine, "first", NOW)
    second = ensure_athlete(engine, "second", NOW)
    assert first != second
    assert ensure_athlete(engine, "first", NOW) == first
    with unit_of_work(engine, first) as uow:
        uow.repo.add_activity(LAPPED, sha256="e" * 64, source="file", file_name="x.fit", at=NOW)
        uow.commit()
    with unit_of_work(engine, second) as uow:
        assert uow.repo.activities() == []
        # the same file for another runner is hers to keep
        uow.repo.add_activity(LAPPED, sha256="e" * 64, source="file", file_name="x.fit", at=NOW)
        uow.commit()


def test_open_failures_forget_a_file_that_was_taken_later(engine) -> None:  # type: ignore[no-untyped-def]
    athlete = ensure_athlete(engine, "default", NOW)
    with unit_of_work(engine, athlete) as uow:
        r = uow.repo
        r.log_ingest(at=NOW, file_name="a.fit", source="inbox", state="rejected", reason="bad")
        r.log_ingest(
            at=NOW + timedelta(seconds=1),
            file_name="b.fit",
            source="inbox",
            state="rejected",
            reason="truncated",
        )
        r.log_ingest(
            at=NOW + timedelta(seconds=2), file_name="a.fit", source="inbox", state="ingested"
        )
        uow.commit()
    with unit_of_work(engine, athlete) as uow:
        assert [(f.file_name, f.reason) for f in uow.repo.open_failures()] == [
            ("b.fit", "truncated")
        ]


def test_an_unknown_database_scheme_is_bad_input() -> None:
    from sync.errors import BadInput

    with pytest.raises(BadInput, match="supports sqlite and postgresql"):
        make_engine("mysql://localhost/x")


@pytest.mark.postgres
def test_postgres_migrations_take_an_advisory_lock(pg_url: str) -> None:
    """Two workers starting at once on one PostgreSQL: both end at head, no error."""
    import threading

    engines = [make_engine(pg_url) for _ in range(2)]
    errors: list[BaseException] = []

    def go(eng) -> None:  # type: ignore[no-untyped-def]
        try:
            migrate(eng)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(current_revision(e) == SCHEMA_REVISION for e in engines)
    for e in engines:
        e.dispose()


def test_sqlite_database_file_is_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sub" / "x.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    eng.dispose()
    assert path.stat().st_mode & 0o777 == 0o600
    raw = create_engine(f"sqlite:///{path}")
    with raw.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    raw.dispose()
