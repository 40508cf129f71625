"""Engines and migrations. Nothing connects at import time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from sync.adapters.store.schema import SCHEMA_REVISION
from sync.errors import BadInput, StoreError, disk_fault

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed number: the key of the advisory lock that serialises migrations on PostgreSQL.
_MIGRATION_LOCK_KEY = 0x72756E62
_URL_FORM = "expected postgresql+psycopg://user:password@host:port/db or sqlite:///path"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str, *, connect_args: dict[str, Any] | None = None) -> Engine:
    """An engine for `url`; a SQLite file is created owner-readable only.

    Statement parameters are hidden from every error the engine raises: they are her
    symptom values and notes, and errors end up in logs and on stderr.
    """
    parsed = _parse_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BadInput(f"database URL names '{backend}': runback supports sqlite and postgresql")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    options: dict[str, Any] = {"connect_args": connect_args or {}, "hide_parameters": True}
    if backend == "postgresql":
        options["pool_pre_ping"] = True
    else:
        database = parsed.database
        if database and database != ":memory:":
            _create_private_file(Path(database))
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ImportError):
        raise BadInput(
            f"database URL names the driver '{parsed.drivername}', which runback does not "
            "have (use postgresql+psycopg://... or sqlite:///...)"
        ) from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _parse_url(url: str) -> URL:
    """The URL, parsed; what does not parse is refused without quoting any of it (it may
    hold a password)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        problem = "its port is not a number" if "int()" in str(exc) else _URL_FORM
        raise BadInput(f"database URL is not valid: {problem}") from None
    if parsed.host and "@" in parsed.host:
        # user:p@ss@host parses as password 'p', host 'ss@host': the rest of the password
        # would show in every connection error.
        raise BadInput(
            "database URL is not valid: write an '@' in the password as %40 "
            "(and ':' as %3A, '/' as %2F)"
        )
    return parsed


def _create_private_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except OSError as exc:
        doing = "cannot open it for writing" if path.exists() else "cannot create it"
        raise BadInput(f"database file {path}: {doing} ({exc.strerror or exc})") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def current_revision(engine: Engine) -> str | None:
    """The schema's revision, None for a database runback has not set up yet.

    One query on every call (asked before the inspector, which costs a command a few
    queries more); only when it fails is the table looked for."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):
            conn.rollback()
            if inspect(conn).has_table("alembic_version"):
                raise
            return None


def migrate(engine: Engine) -> None:
    """Bring the schema to SCHEMA_REVISION; a no-op (one query) when it is there already.

    Alembic is imported only when there is work to do, which keeps start-up quick.
    """
    try:
        revision = current_revision(engine)
        if revision == SCHEMA_REVISION:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        with engine.connect() as conn, _ddl_in_the_transaction(conn), conn.begin():
            if conn.dialect.name == "postgresql":
                # Several workers may start at once: one migrates, the others wait.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            else:  # SQLite: the write lock now; a second runback waits, then finds it done
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = conn
            if revision is not None:
                try:
                    ScriptDirectory.from_config(config).get_revision(revision)
                except CommandError:  # none of the migrations here: a newer runback's
                    raise StoreError(
                        f"database not usable: its schema is at revision '{revision}', which"
                        f" this runback does not know (it knows up to '{SCHEMA_REVISION}'):"
                        " a newer runback set it up; run that one"
                    ) from None
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        said = _first_line(exc)
        raise StoreError(f"database not usable: {disk_fault(said) or said}") from None


@contextmanager
def _ddl_in_the_transaction(conn: Connection) -> Iterator[None]:
    """SQLite: the migration's CREATE and ALTER statements inside its one transaction.

    Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE, so each
    schema change was committed on its own: a migration cut short (Ctrl-C, kill -9, a
    full disk) left tables without the revision that names them, and every later start
    failed on "table athlete already exists" or "duplicate column name" for good. With
    the driver's own transaction handling off, migrate() says BEGIN itself, and commit
    or rollback (an interruption included) covers every statement. PostgreSQL's DDL is
    transactional already."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    before = driver.isolation_level
    driver.isolation_level = None
    try:
        yield
    finally:
        driver.isolation_level = before


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
