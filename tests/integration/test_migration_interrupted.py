"""A migration cut short (Ctrl-C, kill -9, a full disk) leaves the database as it was:
the next start migrates it whole. On SQLite each schema change used to be committed on
its own, and a cut left tables without the revision naming them: "table athlete already
exists" on every later start, her runs unreachable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, text

from sync.adapters.store.db import _MIGRATIONS, current_revision, make_engine, migrate, sqlite_url
from sync.adapters.store.schema import SCHEMA_REVISION


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(sqlite_url(tmp_path / "runback.db"))
    yield made
    made.dispose()


def cut_after(engine: Engine, statements: int) -> Any:
    """A listener that interrupts the migration at its Nth schema change, as Ctrl-C does."""
    seen = 0

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal seen
        if statement.lstrip().upper().startswith(("CREATE", "ALTER")):
            seen += 1
            if seen > statements:
                raise KeyboardInterrupt

    event.listen(engine, "before_cursor_execute", before)
    return before


def tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


@pytest.mark.parametrize("statements", [1, 5, 12, 30])
def test_a_first_migration_cut_short_leaves_nothing_and_the_next_start_migrates(
    engine: Engine, statements: int
) -> None:
    listener = cut_after(engine, statements)
    with pytest.raises(KeyboardInterrupt):
        migrate(engine)
    event.remove(engine, "before_cursor_execute", listener)
    assert tables(engine) <= {"alembic_version"}  # rolled back, whatever was reached
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == SCHEMA_REVISION


def test_an_upgrade_cut_short_keeps_her_data_at_the_old_revision(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO athlete VALUES (1, 'her', '2026-11-02 08:00:00.000000')"))
    listener = cut_after(engine, 1)  # 0010's second schema change
    with pytest.raises(KeyboardInterrupt):
        migrate(engine)
    event.remove(engine, "before_cursor_execute", listener)
    assert current_revision(engine) == "0009"
    migrate(engine)
    assert current_revision(engine) == SCHEMA_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM athlete")).scalar() == 1


def test_a_full_or_failing_disk_under_the_database_says_so(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from sync.adapters.store import db
    from sync.errors import StoreError

    def full(engine: Engine) -> None:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(db, "current_revision", full)
    with pytest.raises(StoreError, match="the disk is full or failing"):
        migrate(engine)
